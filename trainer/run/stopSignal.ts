import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/events';

/**
 * SIGINT/SIGTERM ask the run to stop after the current step (then it checkpoints and ends
 * "stopped"). A second signal exits at once.
 */
export class StopSignal {
  /** the signal's name once one arrived */
  requested: string | undefined;

  private readonly onSignal = (signal: NodeJS.Signals) => {
    if (this.requested) process.exit(signal === 'SIGINT' ? 130 : 143);
    this.requested = signal;
    process.stderr.write(`\n${signal}: stopping after this step (send it again to quit at once)\n`);
  };

  /** The reader of our stdout went away (e.g. the extension host died): stop cleanly rather than train as an orphan. */
  private readonly onStdoutError = (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE' || this.requested) return;
    this.requested = 'stdout closed';
    process.stderr.write('\nstdout closed: stopping after this step\n');
  };

  constructor() {
    process.on('SIGINT', this.onSignal);
    process.on('SIGTERM', this.onSignal);
    process.stdout.on('error', this.onStdoutError);
  }

  dispose(): void {
    process.off('SIGINT', this.onSignal);
    process.off('SIGTERM', this.onSignal);
    process.stdout.off('error', this.onStdoutError);
  }
}

const MAX_STOP_REASON_CHARS = 200;

/**
 * Why whoever signalled the trainer did it (RUN_FILES.stopReason in the run folder: its first line,
 * at most 200 characters), or undefined for the user's own stop. The file is removed: it answers one stop.
 */
export function takeStopReason(runDir: string): string | undefined {
  const file = join(runDir, RUN_FILES.stopReason);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  rmSync(file, { force: true });
  return text.split('\n')[0].trim().slice(0, MAX_STOP_REASON_CHARS) || undefined;
}
