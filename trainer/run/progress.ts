/**
 * Human-readable progress on stderr (stdout carries the event log): a redrawn bar when stderr is a
 * terminal, otherwise concise log lines (the extension shows them in its trainer log).
 */
import { formatDuration } from '../../protocol/runModel/format';

const BAR_WIDTH = 24;
/** Without a terminal: a line about every 5% of the run. */
const LOG_LINES_PER_RUN = 20;
/**
 * Steps timed before an ETA is given: the first step of a process carries the one-off costs
 * (kernels compiled, memory grown), so an ETA from it alone reads many times too long.
 */
const ETA_AFTER_STEPS = 3;

export interface StepInfo {
  step: number;
  loss: number;
  lr: number;
  tokensPerSecond: number;
}

export class Progress {
  private readonly tty: boolean;
  private barShown = false;
  /** the first step this process trained, and when it ended: the pace is timed from there */
  private timedFrom: { step: number; time: number } | undefined;

  constructor(
    private readonly totalSteps: number,
    private readonly stream: NodeJS.WriteStream = process.stderr,
  ) {
    this.tty = Boolean(stream.isTTY);
    // A reader that went away must not crash the run: events.jsonl is the record.
    stream.on('error', () => undefined);
  }

  step(info: StepInfo): void {
    const now = Date.now();
    this.timedFrom ??= { step: info.step, time: now };
    const timed = info.step - this.timedFrom.step;
    const remaining = this.totalSteps - info.step;
    const eta =
      timed >= ETA_AFTER_STEPS
        ? `ETA ${formatDuration(((now - this.timedFrom.time) / 1000 / timed) * remaining)}`
        : 'ETA after a few steps';
    const figures = `loss ${info.loss.toFixed(4)}  lr ${info.lr.toExponential(2)}  ${Math.round(info.tokensPerSecond)} tok/s`;
    if (this.tty) {
      const filled = Math.round((BAR_WIDTH * info.step) / this.totalSteps);
      const bar = '█'.repeat(filled) + '░'.repeat(BAR_WIDTH - filled);
      this.stream.write(`\r\x1b[2K${bar} ${info.step}/${this.totalSteps}  ${figures}  ${eta}`);
      this.barShown = true;
      return;
    }
    const every = Math.max(1, Math.round(this.totalSteps / LOG_LINES_PER_RUN));
    if (info.step === 1 || info.step % every === 0 || info.step === this.totalSteps) {
      this.stream.write(`step ${info.step}/${this.totalSteps}  ${figures}  ${eta}\n`);
    }
  }

  /** A line of its own (eval, checkpoint, end), above the bar. */
  note(message: string): void {
    if (this.barShown) {
      this.stream.write('\r\x1b[2K');
      this.barShown = false;
    }
    this.stream.write(message + '\n');
  }
}
