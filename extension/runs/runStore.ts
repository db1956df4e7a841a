/**
 * The runs of the workspace: every <runsDir>/<run>/events.jsonl, kept up to date by tailing the
 * logs, plus the runs this window queued or runs. Implements the RunRegistry the views read.
 */
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES, type RunStatus, type TrainerEvent } from '../../protocol/events';
import { EventLogTail, readEventLog } from './eventLogTail';
import { isTrainerAlive } from './processTree';
import { EXTENSION_RUN_FILES, type RunOrigin } from './runFolders';
import { runInfo, type PlannedRun } from './runInfo';
import { applyEvent, createRunSummary, reduceEvents, type RunSummary } from '../../protocol/runModel/runState';
import type { RunEventsAppended, RunInfo, RunRegistry } from './types';

interface RunRecord {
  id: string;
  folder: vscode.Uri;
  tail: EventLogTail;
  /** the run's summary: every run has one; curves are the RunFeed's, for shown runs only */
  state: RunSummary;
  planned?: PlannedRun;
  sourceConfig?: vscode.Uri;
  /** this window has the run queued, or runs its trainer (then its events come from stdout) */
  managed?: 'queued' | 'running';
  /** the log's latest start when this window launched the trainer: an end after a newer start is its end */
  launchedAfterStart?: string;
  /** how the run ended when its log cannot tell (failed before writing, killed) */
  outcome?: { status: RunStatus; reason: string };
  /** for runs trained elsewhere: whether their trainer was alive at the last poll */
  trainerWasAlive?: boolean;
}

const CHANGE_COALESCE_MS = 250;
const POLL_MS = 3000;

export class RunStore implements RunRegistry, vscode.Disposable {
  private readonly records = new Map<string, RunRecord>();
  private readonly changeEmitter = new vscode.EventEmitter<void>();
  private readonly appendEmitter = new vscode.EventEmitter<RunEventsAppended>();
  private readonly selectionEmitter = new vscode.EventEmitter<string | undefined>();
  private readonly disposables: vscode.Disposable[] = [this.changeEmitter, this.appendEmitter, this.selectionEmitter];
  private watchers: vscode.Disposable[] = [];
  private changeTimer?: NodeJS.Timeout;
  private scanning?: Promise<void>;
  private rescan?: Promise<void>;
  private selected: string | undefined;
  /** set by the run manager */
  stopHandler: (runId: string) => Promise<void> = async () => undefined;

  readonly onDidChangeRuns = this.changeEmitter.event;
  readonly onDidAppendEvents = this.appendEmitter.event;
  readonly onDidChangeSelectedRun = this.selectionEmitter.event;

  constructor(private readonly log: vscode.LogOutputChannel) {
    const poll = setInterval(() => void this.pollLiveRuns(), POLL_MS);
    this.disposables.push(
      { dispose: () => clearInterval(poll) },
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('moeLens.runsDirectory')) void this.watchRunsDirectory();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.watchRunsDirectory()),
    );
    void this.watchRunsDirectory();
  }

  /** <first workspace folder>/<moeLens.runsDirectory>; undefined without a folder open. */
  get runsDir(): vscode.Uri | undefined {
    const folder = vscode.workspace.workspaceFolders?.[0];
    if (!folder) return undefined;
    const setting = vscode.workspace.getConfiguration('moeLens').get<string>('runsDirectory') || '.moe-runs';
    return isAbsolute(setting) ? vscode.Uri.file(setting) : vscode.Uri.joinPath(folder.uri, setting);
  }

  get selectedRunId(): string | undefined {
    return this.selected;
  }

  select(runId: string | undefined): void {
    if (runId === this.selected) return;
    this.selected = runId;
    this.selectionEmitter.fire(runId);
  }

  list(): RunInfo[] {
    return [...this.records.values()]
      .map((record) => this.info(record))
      .sort((a, b) => (b.startedAt ?? b.id).localeCompare(a.startedAt ?? a.id) || b.id.localeCompare(a.id));
  }

  get(runId: string): RunInfo | undefined {
    const record = this.records.get(runId);
    return record && this.info(record);
  }

  async readEvents(runId: string): Promise<TrainerEvent[]> {
    const record = this.records.get(runId);
    if (!record) return [];
    return (await readEventLog(record.tail.file)).events;
  }

  stop(runId: string): Promise<void> {
    return this.stopHandler(runId);
  }

  /** Re-reads the runs directory: new run folders appear, deleted ones go. */
  refresh(): Promise<void> {
    if (this.scanning) {
      // One more scan after the current one: it may have listed the folder before the change.
      this.rescan ??= this.scanning.then(() => {
        this.rescan = undefined;
        return this.refresh();
      });
      return this.rescan;
    }
    this.scanning = this.scan().finally(() => (this.scanning = undefined));
    return this.scanning;
  }

  // ---- used by the run manager -------------------------------------------------------------

  /** A run this window is about to run: shown as queued until its trainer starts. */
  addPlanned(runId: string, folder: vscode.Uri, planned: PlannedRun, sourceConfig: vscode.Uri): void {
    const record = this.ensureRecord(runId, folder);
    Object.assign(record, { planned, sourceConfig, managed: 'queued', outcome: undefined });
    this.changed();
  }

  /** A run of this window waits for a free slot (a resumed run, already listed). */
  markQueued(runId: string): void {
    const record = this.records.get(runId);
    if (record) Object.assign(record, { managed: 'queued', outcome: undefined });
    this.changed();
  }

  /** The trainer of the run is starting (a new run, or a resumed one): its stdout is the source now. */
  async markRunning(runId: string, folder: vscode.Uri): Promise<void> {
    const record = this.ensureRecord(runId, folder);
    record.managed = undefined;
    await this.readNew(record); // a resumed run: catch up with its log first
    Object.assign(record, { managed: 'running', outcome: undefined, launchedAfterStart: record.state.startTime });
    this.changed();
  }

  /** Events of a managed run, as its trainer prints them. */
  applyLiveEvents(runId: string, events: TrainerEvent[]): void {
    const record = this.records.get(runId);
    if (!record || events.length === 0) return;
    for (const event of events) applyEvent(record.state, event);
    this.appendEmitter.fire({ runId, events });
    this.changed();
  }

  /** The trainer exited: back to the log as the source (re-read whole), with the outcome if the log lacks one. */
  async finishManaged(runId: string, outcome?: { status: RunStatus; reason: string }): Promise<void> {
    const record = this.records.get(runId);
    if (!record) return;
    record.managed = undefined;
    record.outcome = outcome;
    record.tail.restart();
    const { events } = await record.tail.read();
    record.state = reduceEvents(events, createRunSummary());
    this.changed();
  }

  /** The pid of the trainer writing the run's log, if its log is open (no end yet). */
  trainerPid(runId: string): number | undefined {
    const state = this.records.get(runId)?.state;
    return state?.open ? state.pid : undefined;
  }

  /** Forgets a run (deleted, or a queued run cancelled). */
  forget(runId: string): void {
    if (this.records.delete(runId)) this.changed();
    if (this.selected === runId) this.select(undefined);
  }

  dispose(): void {
    clearTimeout(this.changeTimer);
    for (const d of [...this.watchers, ...this.disposables]) d.dispose();
  }

  // ---- internals ---------------------------------------------------------------------------

  private ensureRecord(runId: string, folder: vscode.Uri): RunRecord {
    let record = this.records.get(runId);
    if (!record) {
      record = {
        id: runId,
        folder,
        tail: new EventLogTail(join(folder.fsPath, RUN_FILES.events)),
        state: createRunSummary(),
        sourceConfig: readOrigin(folder),
      };
      this.records.set(runId, record);
    }
    return record;
  }

  private info(record: RunRecord): RunInfo {
    const { state } = record;
    const logEnded = state.status !== undefined && !state.open;
    // A resumed run's log still ends with the earlier `end` until the new start event comes.
    const endedSinceLaunch = logEnded && state.startTime !== record.launchedAfterStart;
    return runInfo(record, {
      queued: record.managed === 'queued',
      launched: record.managed === 'running' && !endedSinceLaunch,
      outcome: record.outcome,
      pidAlive: !record.managed && state.open && isTrainerAlive(state.pid),
    });
  }

  private async watchRunsDirectory(): Promise<void> {
    for (const watcher of this.watchers) watcher.dispose();
    this.watchers = [];
    const runsDir = this.runsDir;
    if (runsDir) {
      // Watch from the workspace folder: a watcher based on a folder that does not exist yet sees nothing.
      const folder = vscode.workspace.workspaceFolders![0].uri;
      const relative = vscode.workspace.asRelativePath(runsDir, false);
      const base = relative === runsDir.fsPath ? runsDir : folder;
      const prefix = base === folder ? `${relative}/` : '';
      const folders = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(base, `${prefix}*`));
      const logs = vscode.workspace.createFileSystemWatcher(new vscode.RelativePattern(base, `${prefix}*/${RUN_FILES.events}`));
      const rescan = () => void this.refresh();
      const logChanged = (uri: vscode.Uri) => {
        const record = this.records.get(uri.path.split('/').at(-2) ?? '');
        if (record) void this.readNew(record).then(() => this.changed());
        else rescan();
      };
      this.watchers.push(
        folders,
        logs,
        folders.onDidCreate(rescan),
        folders.onDidDelete(rescan),
        logs.onDidCreate(logChanged),
        logs.onDidChange(logChanged),
        logs.onDidDelete(rescan),
      );
    }
    for (const [id, record] of this.records) if (!record.managed) this.records.delete(id);
    await this.refresh();
  }

  private async scan(): Promise<void> {
    const runsDir = this.runsDir;
    const found = new Set<string>();
    if (runsDir) {
      let entries: [string, vscode.FileType][] = [];
      try {
        entries = await vscode.workspace.fs.readDirectory(runsDir);
      } catch {
        // no runs directory yet
      }
      for (const [name, type] of entries) {
        if (type !== vscode.FileType.Directory) continue;
        const folder = vscode.Uri.joinPath(runsDir, name);
        if (!existsSync(join(folder.fsPath, RUN_FILES.events))) continue;
        found.add(name);
        const isNew = !this.records.has(name);
        const record = this.ensureRecord(name, folder);
        if (isNew) await this.readNew(record, false); // its history, not news: readers call readEvents
      }
    }
    for (const [id, record] of this.records) {
      if (!found.has(id) && !record.managed && !existsSync(record.folder.fsPath)) this.records.delete(id);
    }
    this.changed();
  }

  /** Reads what the log of a run not managed here gained since last time; announce: fire onDidAppendEvents. */
  private async readNew(record: RunRecord, announce = true): Promise<void> {
    if (record.managed === 'running') return; // its stdout is the source
    try {
      const { events, problems, reset } = await record.tail.read();
      for (const problem of problems) this.log.warn(`${record.id}/${RUN_FILES.events} ${problem}`);
      if (reset) record.state = createRunSummary();
      if (events.length === 0) return;
      for (const event of events) applyEvent(record.state, event);
      if (announce && !reset) this.appendEmitter.fire({ runId: record.id, events });
    } catch (error) {
      this.log.error(`reading ${record.tail.file}: ${(error as Error).message}`);
    }
  }

  /**
   * Runs another process trains (another window, the CLI): read their logs even if a file event
   * was missed, and notice when their trainer dies (they turn interrupted).
   */
  private async pollLiveRuns(): Promise<void> {
    let polled = false;
    for (const record of this.records.values()) {
      if (record.managed || !record.state.open) continue;
      const alive = isTrainerAlive(record.state.pid);
      if (!alive && record.trainerWasAlive === false) continue; // known to be interrupted: nothing new
      record.trainerWasAlive = alive;
      await this.readNew(record);
      polled = true;
    }
    if (polled) this.changed();
  }

  /** Coalesces change notifications: a fast run must not redraw the tree on every step. */
  private changed(): void {
    this.changeTimer ??= setTimeout(() => {
      this.changeTimer = undefined;
      this.changeEmitter.fire();
    }, CHANGE_COALESCE_MS);
  }
}

function readOrigin(folder: vscode.Uri): vscode.Uri | undefined {
  try {
    const origin = JSON.parse(readFileSync(join(folder.fsPath, EXTENSION_RUN_FILES.origin), 'utf8')) as RunOrigin;
    return typeof origin.configFile === 'string' ? vscode.Uri.file(origin.configFile) : undefined;
  } catch {
    return undefined;
  }
}
