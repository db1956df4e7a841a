/**
 * What a dashboard says before there is something to draw: before its run's first step (queued,
 * starting, or ended before training), and over an eval-only chart before the first evaluation.
 */
import type { RunSnapshot } from '../../protocol/webviewMessages';

export function waitingText(run: RunSnapshot): string {
  const { status, reason } = run.header;
  switch (status) {
    case 'queued': {
      const place = run.header.queuePosition;
      const where =
        place === undefined
          ? 'queued'
          : place === 1
            ? 'queued: position 1, next to start'
            : `queued: position ${place}`;
      return `${where[0].toUpperCase()}${where.slice(1)}. The run starts when a training slot is free (setting moeLens.maxConcurrentRuns); its charts appear with its first step.`;
    }
    case 'running':
      return 'Starting the trainer: loading the data and building the model. The charts appear with the first step.';
    default:
      return `The run ended (${status}) before its first step${reason ? `: ${reason}` : '.'}`;
  }
}

/** "No evaluation yet: the first is at step 50" — what an eval-only chart says before it has a point. */
export const firstEvalText = (state: { evalEvery: number; step: number }) =>
  state.evalEvery > 0
    ? `No evaluation yet: the first is at step ${(Math.floor(Math.max(0, state.step) / state.evalEvery) + 1) * state.evalEvery}.`
    : 'No evaluation yet.';
