/**
 * The status of a run: the one definition every view shows. The log says how a session ended; a log
 * without an end is running while its trainer lives, interrupted once it is gone (a writer the viewer
 * cannot check — another host, an import — is running while it writes, stale once quiet); a viewer that
 * launches trainers knows some more (queued, starting, or how a trainer that wrote no end died).
 */
import type { RunStatus } from '../events';
import type { RunSummary } from './runState';

export interface Liveness {
  /** the viewer holds the run in its queue */
  queued?: boolean;
  /** the viewer runs (or is starting) the run's trainer, and the log has not ended since it launched it */
  launched?: boolean;
  /** the pid of the latest start event is a live trainer process */
  pidAlive: boolean;
  /** how the viewer's trainer ended when the log cannot tell (failed before writing, killed) */
  outcome?: { status: RunStatus; reason: string };
  /**
   * For a writer whose pid cannot be checked here (another host, an import without a pid): seconds since
   * its files were last written, and moeLens.staleAfterSeconds. Running while quieter than that, then stale.
   */
  quietSeconds?: number;
  staleAfterSeconds?: number;
}

export function runStatus(state: RunSummary, liveness: Liveness): { status: RunStatus; reason?: string } {
  const logEnded = state.status !== undefined && !state.open;
  if (liveness.queued) return { status: 'queued' };
  if (liveness.launched) return { status: 'running' };
  if (logEnded) return { status: state.status!, reason: state.endReason };
  if (liveness.outcome) return liveness.outcome;
  if (state.open && liveness.pidAlive) return { status: 'running' };
  const { quietSeconds, staleAfterSeconds } = liveness;
  if (state.open && quietSeconds !== undefined && staleAfterSeconds !== undefined) {
    if (quietSeconds < staleAfterSeconds) return { status: 'running' };
    return {
      status: 'stale',
      reason: `nothing written for ${Math.round(quietSeconds)} s (moeLens.staleAfterSeconds ${staleAfterSeconds})`,
    };
  }
  return {
    status: 'interrupted',
    reason: state.open ? `the trainer (pid ${state.pid}) is gone and the log has no end` : 'the log has no start event',
  };
}

/** MaxVio shown for a run: the global one of the last eval if any, else the last batch's. */
export function shownMaxVio(state: RunSummary): number | undefined {
  return state.lastMaxVioGlobal ?? state.lastMaxVioBatch;
}
