/**
 * What a run's event log says about the run: folded event by event, so a live run costs one
 * update per event. No 'vscode' import: unit-tested under plain node.
 */
import type { EndStatus, RunStatus, TrainerEvent } from '../../protocol/events';
import { balancerLabel } from '../../protocol/runConfig';

export interface RunLogState {
  name?: string;
  balancer?: string;
  totalSteps?: number;
  /** the last step reached (start step before the first step event) */
  step: number;
  /** trainer pid of the latest start event */
  pid?: number;
  /** the host the latest start event names (writers other than MoE Lens's trainer) */
  host?: string;
  backend?: string;
  /** time of the first start event (ISO) */
  startedAt?: string;
  /** a start event came after the last end: the log is of a session still going or cut off */
  open: boolean;
  end?: { status: EndStatus; reason: string };
  lastValLoss?: number;
  lastMaxVioGlobal?: number;
  lastMaxVioBatch?: number;
  tokensPerSecond?: number;
  /** first and last step event of the current session, for the ETA */
  pace?: { firstStep: number; firstTime: number; lastStep: number; lastTime: number };
}

export function emptyRunLogState(): RunLogState {
  return { step: 0, open: false };
}

export function applyEvent(state: RunLogState, event: TrainerEvent): void {
  switch (event.type) {
    case 'start':
      state.name = event.runName;
      state.balancer = balancerLabel(event.config.balancer.methods);
      state.totalSteps = event.config.training.steps;
      state.step = event.step;
      state.pid = event.pid;
      state.host = event.host;
      state.backend = event.backend.name;
      state.startedAt ??= event.time;
      state.open = true;
      state.end = undefined;
      state.pace = undefined;
      break;
    case 'step': {
      state.step = event.step;
      state.tokensPerSecond = event.tokensPerSecond;
      state.lastMaxVioBatch = event.maxVioBatchMean;
      const time = Date.parse(event.time);
      if (!state.pace) state.pace = { firstStep: event.step, firstTime: time, lastStep: event.step, lastTime: time };
      else Object.assign(state.pace, { lastStep: event.step, lastTime: time });
      break;
    }
    case 'eval':
      state.step = Math.max(state.step, event.step);
      state.lastValLoss = event.valLoss;
      state.lastMaxVioGlobal = event.maxVioGlobalMean;
      break;
    case 'end':
      state.step = event.step;
      state.end = { status: event.status, reason: event.reason };
      state.open = false;
      break;
    case 'analysis':
    case 'checkpoint':
      break;
  }
}

export function foldEvents(events: readonly TrainerEvent[], state = emptyRunLogState()): RunLogState {
  for (const event of events) applyEvent(state, event);
  return state;
}

/** MaxVio shown for a run: the global one of the last eval if any, else the last batch's. */
export function shownMaxVio(state: RunLogState): number | undefined {
  return state.lastMaxVioGlobal ?? state.lastMaxVioBatch;
}

/**
 * Seconds left, from the wall-clock pace of this session's step events (evals and checkpoints
 * included); undefined until two steps have been seen.
 */
export function etaSeconds(state: RunLogState): number | undefined {
  const pace = state.pace;
  if (!pace || state.totalSteps === undefined || pace.lastStep <= pace.firstStep) return undefined;
  const secondsPerStep = (pace.lastTime - pace.firstTime) / 1000 / (pace.lastStep - pace.firstStep);
  return Math.max(0, state.totalSteps - pace.lastStep) * secondsPerStep;
}

export interface Liveness {
  /** this window's run manager runs (or is starting) the trainer of this run */
  managed: boolean;
  /** the pid of the latest start event is a live trainer process */
  pidAlive: boolean;
  /**
   * For a writer whose pid cannot be checked here (another host, an import without a pid): seconds since
   * its files were last written, and moeLens.staleAfterSeconds. Running while quieter than that, then stale.
   */
  quietSeconds?: number;
  staleAfterSeconds?: number;
}

/**
 * The status of a run from its log: the end event's status if the log is finished; running while
 * its trainer lives (here or elsewhere); interrupted when the log stops without an end and no
 * trainer is writing it any more. A writer that cannot be checked here is running while it writes,
 * stale once it has been quiet for staleAfterSeconds: never running forever.
 */
export function deriveStatus(state: RunLogState, liveness: Liveness): { status: RunStatus; reason?: string } {
  if (state.end && !state.open) return { status: state.end.status, reason: state.end.reason };
  if (liveness.managed || (state.open && liveness.pidAlive)) return { status: 'running' };
  const { quietSeconds, staleAfterSeconds } = liveness;
  if (quietSeconds !== undefined && staleAfterSeconds !== undefined && (state.open || !state.end)) {
    if (quietSeconds < staleAfterSeconds) return { status: 'running' };
    return { status: 'stale', reason: `nothing written for ${Math.round(quietSeconds)} s (moeLens.staleAfterSeconds ${staleAfterSeconds})` };
  }
  return {
    status: 'interrupted',
    reason: state.open ? `the trainer (pid ${state.pid}) is gone and the log has no end` : 'the log has no start event',
  };
}
