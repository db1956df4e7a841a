/**
 * One trainer process: spawned with an args array in its own process group, stdout read as event
 * lines, stderr kept in the run's trainer.log, stopped with SIGTERM and then a group kill.
 * No 'vscode' import: tested under plain node against the real trainer.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { parseEventLine, RUN_FILES, type TrainerEvent } from '../../protocol/events';
import { signalProcessGroup } from './processTree';

export interface TrainerLaunch {
  /** the Node to run the trainer with (process.execPath in the extension host) */
  nodePath: string;
  trainerScript: string;
  args: string[];
  cwd: string;
  /** the run folder the trainer writes (its --out): where a stop's reason is left for it */
  runDir: string;
  env: NodeJS.ProcessEnv;
  /** stderr is appended here */
  logFile: string;
}

export interface TrainerHandlers {
  onEvent(event: TrainerEvent): void;
  /** a stdout line that is not an event (e.g. a library's banner) */
  onOtherStdout?(line: string): void;
  onStderrLine?(line: string): void;
}

export interface TrainerExit {
  code: number | null;
  signal: NodeJS.Signals | null;
  /** why the process could not be spawned at all */
  spawnError?: string;
  /** the group was killed because the trainer outlived the grace period after SIGTERM */
  killedAfterGrace: boolean;
  /** the last stderr lines, for a failure notification */
  lastStderr: string[];
}

const KEPT_STDERR_LINES = 20;

export class TrainerProcess {
  readonly exited: Promise<TrainerExit>;
  private readonly child: ChildProcess;
  private readonly lastStderr: string[] = [];
  private killedAfterGrace = false;
  private graceTimer?: NodeJS.Timeout;
  private stopRequested = false;
  private readonly runDir: string;

  constructor(launch: TrainerLaunch, handlers: TrainerHandlers) {
    this.runDir = launch.runDir;
    const log = createWriteStream(launch.logFile, { flags: 'a' });
    log.on('error', () => undefined); // a lost log line must not take the run down
    this.child = spawn(launch.nodePath, [launch.trainerScript, ...launch.args], {
      cwd: launch.cwd,
      env: launch.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: process.platform !== 'win32',
      windowsHide: true,
    });
    createInterface({ input: this.child.stdout! }).on('line', (line) => {
      let event: TrainerEvent | undefined;
      try {
        event = parseEventLine(line);
      } catch {
        handlers.onOtherStdout?.(line);
        return;
      }
      if (event) handlers.onEvent(event);
    });
    createInterface({ input: this.child.stderr! }).on('line', (line) => {
      log.write(line + '\n');
      this.lastStderr.push(line);
      if (this.lastStderr.length > KEPT_STDERR_LINES) this.lastStderr.shift();
      handlers.onStderrLine?.(line);
    });
    this.exited = new Promise((resolve) => {
      let spawnError: string | undefined;
      this.child.on('error', (error) => (spawnError = error.message));
      this.child.on('close', (code, signal) => {
        clearTimeout(this.graceTimer);
        // Anything the trainer left behind in its group goes with it.
        if (this.child.pid) signalProcessGroup(this.child.pid, 'SIGKILL');
        // Reported once trainer.log is complete, so "Show Log" shows every line.
        log.end(() =>
          resolve({
            code,
            signal,
            spawnError,
            killedAfterGrace: this.killedAfterGrace,
            lastStderr: [...this.lastStderr],
          }),
        );
      });
    });
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /**
   * SIGTERM (the trainer finishes its step, checkpoints and ends `stopped`); if it is still there
   * after graceMs, SIGKILL to its whole process group. `reason` is why, when the user did not ask
   * (e.g. the window closing): left in the run folder for the trainer's end event.
   */
  stop(graceMs: number, reason?: string): Promise<TrainerExit> {
    if (!this.stopRequested && this.child.pid && this.child.exitCode === null && this.child.signalCode === null) {
      this.stopRequested = true;
      if (reason) {
        try {
          writeFileSync(join(this.runDir, RUN_FILES.stopReason), `${reason}\n`);
        } catch {
          // the run folder is gone or read-only: the end event says "by you", the run still stops
        }
      }
      this.child.kill('SIGTERM');
      this.graceTimer = setTimeout(() => {
        this.killedAfterGrace = true;
        signalProcessGroup(this.child.pid!, 'SIGKILL');
      }, graceMs);
    }
    return this.exited;
  }
}
