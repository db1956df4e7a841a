/**
 * Runs trainers: a queue limited by moeLens.maxConcurrentRuns, one TrainerProcess per run, stop
 * with a grace period, and what the user is told when a run starts, fails or is rejected.
 */
import { existsSync, rmSync } from 'node:fs';
import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { RUN_TOKEN_ENV } from '../../nodeio/processIdentity';
import * as vscode from 'vscode';
import { RUN_FILES, type TrainerEvent } from '../../protocol/events';
import { killGroupsLater, proveTrainer } from './processTree';
import type { RunStore } from './runStore';
import { TrainerProcess, type TrainerExit } from './trainerProcess';

export interface RunJob {
  runId: string;
  folder: vscode.Uri;
  name: string;
  /** trainer arguments (after the script) */
  args: string[];
  /** a resumed run: its folder and log exist before the trainer starts */
  resume: boolean;
  /**
   * The trainer names the run's copy of the config and its folder; messages show the user's file
   * and folder instead: [what the trainer says, what to show][].
   */
  configCopy?: [string, string][];
}

/** Why the trainers stop when the extension host goes away (the end event's reason says it). */
const WINDOW_CLOSING = 'VS Code closed or reloaded the window';

/** How long deactivate waits for trainers to stop; a detached helper kills what is left later. */
const DEACTIVATE_WAIT_MS = 4000;
const TRAINER_EXIT_CONFIG_ERROR = 2;

export class RunManager implements vscode.Disposable {
  private readonly queue: RunJob[] = [];
  private readonly active = new Map<string, TrainerProcess>();
  private readonly stopRequested = new Set<string>();

  constructor(
    private readonly context: vscode.ExtensionContext,
    private readonly store: RunStore,
    private readonly log: vscode.LogOutputChannel,
  ) {
    store.stopHandler = (runId) => this.stop(runId);
  }

  /** The run is queued or training here. */
  isBusy(runId: string): boolean {
    return this.active.has(runId) || this.queue.some((job) => job.runId === runId);
  }

  enqueue(job: RunJob): void {
    if (this.isBusy(job.runId)) return;
    if (job.resume) this.store.markQueued(job.runId);
    this.queue.push(job);
    this.pump();
  }

  /** A queued run leaves the queue; a training one gets SIGTERM, then its group is killed after the grace period. */
  async stop(runId: string): Promise<void> {
    const queued = this.queue.findIndex((job) => job.runId === runId);
    if (queued >= 0) {
      const [job] = this.queue.splice(queued, 1);
      this.store.setQueue(this.queue.map((waiting) => waiting.runId));
      await this.dropQueued(job);
      return;
    }
    const trainer = this.active.get(runId);
    if (!trainer) {
      // Trained by another window or the CLI: ask it to stop the same way, if the log proves who it is.
      const identity = this.store.trainerIdentity(runId);
      if (!identity) return;
      const proof = proveTrainer(identity);
      if (!proof.proven) {
        this.log.warn(`[${runId}] not stopping pid ${identity.pid}: ${proof.why}`);
        void vscode.window.showWarningMessage(`MoE Lens: cannot stop ${runId} from here: ${proof.why}.`);
        return;
      }
      this.log.info(
        `[${runId}] stop requested: SIGTERM to pid ${identity.pid} (trainer of another window or a terminal)`,
      );
      process.kill(identity.pid, 'SIGTERM');
      return;
    }
    this.stopRequested.add(runId);
    this.log.info(`[${runId}] stop requested (SIGTERM; killed after ${this.graceMs() / 1000} s)`);
    await trainer.stop(this.graceMs());
  }

  /** Window closing: stop every run the same way, without orphans even if the host goes first. */
  async stopAll(): Promise<void> {
    for (const job of this.queue.splice(0)) if (!job.resume) removeUnstartedFolder(job.folder);
    const trainers = [...this.active.values()];
    if (trainers.length === 0) return;
    const grace = this.graceMs();
    killGroupsLater(
      trainers.map((t) => t.pid).filter((pid): pid is number => pid !== undefined),
      grace + 1000,
    );
    const stopped = Promise.all(trainers.map((t) => t.stop(grace, WINDOW_CLOSING)));
    await Promise.race([stopped, new Promise((resolve) => setTimeout(resolve, DEACTIVATE_WAIT_MS))]);
  }

  dispose(): void {
    void this.stopAll();
  }

  private graceMs(): number {
    return (vscode.workspace.getConfiguration('moeLens').get<number>('stopGracePeriodSeconds') ?? 20) * 1000;
  }

  private pump(): void {
    const limit = vscode.workspace.getConfiguration('moeLens').get<number>('maxConcurrentRuns') ?? 1;
    while (this.active.size < Math.max(1, limit) && this.queue.length > 0) void this.launch(this.queue.shift()!);
    this.store.setQueue(this.queue.map((job) => job.runId));
  }

  private async dropQueued(job: RunJob): Promise<void> {
    if (job.resume) {
      await this.store.finishManaged(job.runId);
    } else {
      removeUnstartedFolder(job.folder);
      this.store.forget(job.runId);
    }
    this.log.info(`[${job.runId}] removed from the queue`);
  }

  private async launch(job: RunJob): Promise<void> {
    const { runId, folder } = job;
    await this.store.markRunning(runId, folder);
    // Events come in bursts (eval, checkpoint, end): hand them on together.
    let pending: TrainerEvent[] = [];
    const flush = () => {
      const events = pending;
      pending = [];
      this.store.applyLiveEvents(runId, events);
    };
    let onStarted = () => undefined as void;
    const started = new Promise<void>((resolve) => (onStarted = resolve));
    const trainer = new TrainerProcess(
      {
        nodePath: process.execPath,
        trainerScript: this.context.asAbsolutePath(join('dist', 'trainer.js')),
        args: job.args,
        cwd: folder.fsPath,
        runDir: folder.fsPath,
        env: {
          ...process.env,
          // process.execPath is Electron's binary in desktop VS Code: make it act as Node.
          ELECTRON_RUN_AS_NODE: '1',
          MOE_LENS_NATIVE_MODULES: join(this.context.globalStorageUri.fsPath, 'native', 'node_modules'),
          // the trainer names it in its start event: proof for another window's Stop that this process is the run's trainer
          [RUN_TOKEN_ENV]: randomUUID(),
        },
        logFile: join(folder.fsPath, RUN_FILES.log),
      },
      {
        onEvent: (event) => {
          if (pending.length === 0) setImmediate(flush);
          pending.push(event);
          if (event.type === 'start') onStarted();
        },
        onOtherStdout: (line) => this.log.info(`[${runId}] ${line}`),
        onStderrLine: (line) => this.log.info(`[${runId}] ${line}`),
      },
    );
    this.active.set(runId, trainer);
    this.store.select(runId);
    this.log.info(`[${runId}] trainer pid ${trainer.pid ?? '?'}: ${job.args.join(' ')}`);
    this.showStarting(job, Promise.race([started, trainer.exited.then(() => undefined)]));
    const exit = await trainer.exited;
    flush();
    this.active.delete(runId);
    await this.finish(job, exit);
    this.pump();
  }

  /**
   * While the trainer starts: a spinner in the status bar, and a toast naming the run that offers
   * its dashboard and Stop (a progress toast can only offer Cancel).
   */
  private showStarting(job: RunJob, startedOrExited: Promise<void>): void {
    const doing = job.resume ? 'resuming' : 'starting';
    void vscode.window.withProgress(
      { location: vscode.ProgressLocation.Window, title: `MoE Lens: ${doing} ${job.name}` },
      () => startedOrExited,
    );
    void vscode.window
      .showInformationMessage(`MoE Lens: ${doing} ${job.name} (${job.runId})`, 'Open Dashboard', 'Stop Run')
      .then((choice) => {
        if (choice === 'Open Dashboard') void vscode.commands.executeCommand('moeLens.openDashboard', job.runId);
        if (choice === 'Stop Run') void this.stop(job.runId);
      });
  }

  private async finish(job: RunJob, exit: TrainerExit): Promise<void> {
    const { runId, name } = job;
    const stopRequested = this.stopRequested.delete(runId);
    const exitText = exit.code !== null ? `exit code ${exit.code}` : `signal ${exit.signal}`;
    this.log.info(`[${runId}] trainer ended: ${exit.spawnError ?? exitText}`);
    const lastLines = exit.lastStderr.slice(-3).join(' | ');
    let outcome: { status: 'failed' | 'interrupted'; reason: string } | undefined;
    if (exit.spawnError) outcome = { status: 'failed', reason: `could not start the trainer: ${exit.spawnError}` };
    else if (exit.killedAfterGrace)
      outcome = { status: 'interrupted', reason: `killed ${this.graceMs() / 1000} s after Stop` };
    else if (exit.code !== 0) outcome = { status: 'failed', reason: exit.lastStderr.at(-1) ?? exitText };
    await this.store.finishManaged(runId, outcome);

    if (exit.code === TRAINER_EXIT_CONFIG_ERROR) {
      const configErrors = exit.lastStderr.filter((line) => /\$|error|expected/i.test(line));
      if (!job.resume && !existsSync(join(job.folder.fsPath, RUN_FILES.events))) {
        removeUnstartedFolder(job.folder);
        this.store.forget(runId);
      }
      // The trainer names the run's copy of the config; the user knows their own file.
      const copy = job.configCopy;
      const lines = (configErrors.length ? configErrors : exit.lastStderr)
        .map((line) => (copy ?? []).reduce((text, [said, shown]) => text.replaceAll(said, shown), line))
        .join(' ');
      const what = job.resume ? `cannot resume ${name}` : `the trainer rejected the config of ${name}`;
      void this.tellFailure(runId, `MoE Lens: ${what}: ${lines}`);
      return;
    }
    const info = this.store.get(runId);
    if (outcome?.status === 'failed' || info?.status === 'failed') {
      void this.tellFailure(
        runId,
        `MoE Lens: run ${name} failed (${exit.spawnError ?? exitText}): ${lastLines || info?.reason || 'no output'}`,
      );
    } else if (info?.status === 'diverged') {
      void vscode.window.showWarningMessage(`MoE Lens: run ${name} diverged: ${info.reason ?? ''}`);
    } else if (stopRequested && info?.status === 'stopped') {
      this.log.info(`[${runId}] stopped at step ${info.step}`);
    }
  }

  private async tellFailure(runId: string, message: string): Promise<void> {
    const choice = await vscode.window.showErrorMessage(message, 'Show Log');
    if (choice === 'Show Log') await vscode.commands.executeCommand('moeLens.showTrainerLog', runId);
  }
}

/** Removes a run folder the trainer never wrote to (it holds only what Start Run put there). */
function removeUnstartedFolder(folder: vscode.Uri): void {
  if (existsSync(join(folder.fsPath, RUN_FILES.events))) return;
  rmSync(folder.fsPath, { recursive: true, force: true });
}
