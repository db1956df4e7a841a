/** What a dashboard says before its run has a first step: queued, starting, or ended before training. */
import type { RunSnapshot } from '../../protocol/webviewMessages';

export function waitingText(run: RunSnapshot): string {
  const { status, reason } = run.header;
  switch (status) {
    case 'queued':
      return 'Queued: the run starts when a training slot is free (setting moeLens.maxConcurrentRuns). Its charts appear with its first step.';
    case 'running':
      return 'Starting the trainer: loading the data and building the model. The charts appear with the first step.';
    default:
      return `The run ended (${status}) before its first step${reason ? `: ${reason}` : '.'}`;
  }
}
