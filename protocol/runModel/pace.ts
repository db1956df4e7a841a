/**
 * How fast a run goes and when it ends: the one definition of tokens/s and ETA that the status bar,
 * the Runs tree, the CodeLens, the dashboard header and the routing view all show.
 * - tokens/s while running: over the recent window of step events, total tokens / total step time
 *   (the harmonic mean of the steps' tokens/s); once the run is not running: the same over every
 *   step of the run, its average.
 * - ETA, while running only: steps left / the recent wall-clock pace (evals and checkpoints included).
 * Both depend on the state alone, not on the clock: the same state gives the same figures everywhere.
 */
import type { RunStatus } from '../events';
import type { PacePoint, RunSummary } from './runState';

/** Tokens/s as the harmonic mean of the points' tokens/s: total tokens / total step time. */
function harmonicTokensPerSecond(points: readonly PacePoint[]): number | undefined {
  const timed = points.filter((p) => p.tokensPerSecond > 0);
  if (timed.length === 0) return undefined;
  return timed.length / timed.reduce((sum, p) => sum + 1 / p.tokensPerSecond, 0);
}

/** Tokens/s of the recent window of step events; undefined before the session's first step. */
export function recentTokensPerSecond(state: RunSummary): number | undefined {
  return harmonicTokensPerSecond(state.recentSteps);
}

/** Tokens/s over every step of the run; undefined before any step. */
export function averageTokensPerSecond(state: RunSummary): number | undefined {
  return state.timedSteps > 0 ? state.timedSteps / state.secondsPerTokenSum : undefined;
}

/** Training steps per wall-clock second over the recent window; undefined with fewer than two timed steps. */
export function stepsPerSecond(state: RunSummary): number | undefined {
  const recent = state.recentSteps;
  if (recent.length < 2) return undefined;
  const first = recent[0];
  const last = recent[recent.length - 1];
  const seconds = (last.t - first.t) / 1000;
  return seconds > 0 && last.step > first.step ? (last.step - first.step) / seconds : undefined;
}

/** The pace figures a view shows for a run with this status. */
export interface RunPace {
  tokensPerSecond?: number;
  /** seconds left; only while running */
  etaSeconds?: number;
}

export function runPace(state: RunSummary, status: RunStatus): RunPace {
  if (status !== 'running') return { tokensPerSecond: averageTokensPerSecond(state) };
  const rate = stepsPerSecond(state);
  return {
    tokensPerSecond: recentTokensPerSecond(state),
    etaSeconds: rate ? Math.max(0, state.totalSteps - state.step) / rate : undefined,
  };
}
