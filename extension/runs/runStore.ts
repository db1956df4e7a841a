/**
 * The runs of the workspace: every <runsDir>/<run>/events.jsonl, kept up to date by tailing the
 * logs, plus the runs this window queued or runs, plus runs from elsewhere: the subfolders of
 * moeLens.extraRunRoots (trusted workspaces only) and the folders opened with "Open Run Folder…", whose
 * events.jsonl or Megatron-LM routing files (runSources.ts) are polled. Implements the RunRegistry.
 */
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import { isAbsolute, join } from 'node:path';
import * as vscode from 'vscode';
import { RUN_FILES, type RunStatus, type TrainerEvent } from '../../protocol/events';
import { readRegularTextFileSync } from '../../nodeio/regularFile';
import { isProcessAlive, isTrainerAlive, type TrainerIdentity } from './processTree';
import { EXTENSION_RUN_FILES, type RunOrigin } from './runFolders';
import { type Liveness } from '../../protocol/runModel/status';
import { runInfo, type PlannedRun } from './runInfo';
import {
  applyEvent,
  createRunState,
  createRunSummary,
  reduceEvents,
  type RunState,
  type RunSummary,
} from '../../protocol/runModel/runState';
import { reduceEventReader } from './runReduction';
import type { EventLogMark } from './eventLogTail';
import { runFolderKind, runsIn, runEventReader, type RunEventReader } from './runSources';
import { SummaryCache } from './summaryCache';
import type { RunEventsAppended, RunInfo, RunRegistry } from './types';

interface RunRecord {
  id: string;
  folder: vscode.Uri;
  /** where its events come from: the event log, or a Megatron-LM folder */
  tail: RunEventReader;
  /** a run outside the workspace's runs directory (extra root, opened folder) */
  external: boolean;
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
  /** lines of its log that are not valid events (since the log was last read whole), and the first */
  logProblems?: { count: number; first: string };
  /** the first read of its log (found by a scan) is under way: listed with what is known so far */
  readingLog?: boolean;
  /** the read of its log under way, if any: reads of one log run one after another, never at once */
  reading?: Promise<void>;
}

/** Problems of one run written to the log channel; the rest are counted on the run. */
const LOGGED_PROBLEMS_PER_RUN = 20;

const CHANGE_COALESCE_MS = 250;
const POLL_MS = 3000;
/** workspaceState key: the folders opened with "Open Run Folder…" (absolute paths) */
const OPENED_FOLDERS_KEY = 'moeLens.openedRunFolders';

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
  private queueOrder: string[] = [];
  /** summaries of logs read in earlier windows (none without a workspace state) */
  private readonly summaries?: SummaryCache;
  /** set by the run manager */
  stopHandler: (runId: string) => Promise<void> = async () => undefined;

  readonly onDidChangeRuns = this.changeEmitter.event;
  readonly onDidAppendEvents = this.appendEmitter.event;
  readonly onDidChangeSelectedRun = this.selectionEmitter.event;

  constructor(
    private readonly log: vscode.LogOutputChannel,
    private readonly workspaceState?: vscode.Memento,
  ) {
    if (workspaceState) this.summaries = new SummaryCache(workspaceState);
    const poll = setInterval(() => void this.pollLiveRuns(), POLL_MS);
    this.disposables.push(
      { dispose: () => clearInterval(poll) },
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('moeLens.runsDirectory')) void this.watchRunsDirectory();
        else if (e.affectsConfiguration('moeLens.extraRunRoots') || e.affectsConfiguration('moeLens.staleAfterSeconds'))
          void this.refresh();
      }),
      vscode.workspace.onDidChangeWorkspaceFolders(() => void this.watchRunsDirectory()),
      vscode.workspace.onDidGrantWorkspaceTrust(() => void this.refresh()),
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

  /** moeLens.extraRunRoots: absolute folders whose subfolders are runs; none in an untrusted workspace. */
  get extraRunRoots(): string[] {
    if (!vscode.workspace.isTrusted) return [];
    const roots = vscode.workspace.getConfiguration('moeLens').get<unknown>('extraRunRoots');
    return Array.isArray(roots) ? roots.filter((r): r is string => typeof r === 'string' && isAbsolute(r)) : [];
  }

  /** Folders opened with "Open Run Folder…": runs, or folders of runs. */
  get openedFolders(): string[] {
    return this.workspaceState?.get<string[]>(OPENED_FOLDERS_KEY) ?? [];
  }

  /**
   * "Open Run Folder…": remembers `folder` (for this workspace) if it is a run or holds runs, and lists
   * them; undefined when it is neither. runId: the run to select (the folder itself, or its newest run).
   */
  async openFolder(folder: vscode.Uri): Promise<{ runId?: string } | undefined> {
    const path = folder.fsPath;
    const isRun = runFolderKind(path) !== undefined;
    if (!isRun && runsIn(path).length === 0) return undefined;
    if (!this.openedFolders.includes(path))
      await this.workspaceState?.update(OPENED_FOLDERS_KEY, [...this.openedFolders, path]);
    await this.refresh();
    return { runId: isRun ? path : this.list().find((run) => run.folder.fsPath.startsWith(path + '/'))?.id };
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
    record.state = createRunSummary();
    record.logProblems = undefined;
    await this.readAll(record, (events) => reduceEvents(events, record.state));
    this.saveSummary(record);
    this.changed();
  }

  /** The full run state of a run's log (the views' curves), streamed from a fresh source (runReduction.ts). */
  async reduceRun(runId: string): Promise<RunState> {
    const record = this.records.get(runId);
    if (!record) return createRunState();
    return reduceEventReader(runEventReader(record.folder.fsPath, record.tail.kind), this.isQuiet(record));
  }

  /** Reads a run's log to its end from where its tail is, batch by batch, reporting problems. */
  private async readAll(record: RunRecord, apply: (events: TrainerEvent[]) => void): Promise<void> {
    for (let more = true; more;) {
      const read = await record.tail.read(this.isQuiet(record));
      this.report(record, read.problems);
      apply(read.events);
      more = read.more === true;
    }
  }

  /** Lines that are not events: the first few in the log channel, all counted on the run (its tooltip). */
  private report(record: RunRecord, problems: string[]): void {
    if (problems.length === 0) return;
    const before = record.logProblems?.count ?? 0;
    record.logProblems = { count: before + problems.length, first: record.logProblems?.first ?? problems[0] };
    const file = record.tail.kind === 'events' ? RUN_FILES.events : 'routing files';
    problems
      .slice(0, Math.max(0, LOGGED_PROBLEMS_PER_RUN - before))
      .forEach((p) => this.log.warn(`${record.id}/${file}: ${p}`));
    if (before < LOGGED_PROBLEMS_PER_RUN && record.logProblems.count > LOGGED_PROBLEMS_PER_RUN) {
      this.log.warn(`${record.id}/${file}: more bad lines; not logging them one by one (the Runs tree counts them)`);
    }
  }

  /** Who the trainer writing the run's log is, by its latest start event, if its log is open (no end yet). */
  trainerIdentity(runId: string): TrainerIdentity | undefined {
    const record = this.records.get(runId);
    const state = record?.state;
    if (!record || !state?.open || state.pid === undefined) return undefined;
    return {
      pid: state.pid,
      startTime: state.pidStartTime,
      token: state.runToken,
      logFile: join(record.folder.fsPath, RUN_FILES.events),
    };
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

  private ensureRecord(runId: string, folder: vscode.Uri, external = false): RunRecord {
    let record = this.records.get(runId);
    if (!record) {
      record = {
        id: runId,
        folder,
        tail: runEventReader(folder.fsPath, runFolderKind(folder.fsPath) ?? 'events'),
        external,
        state: createRunSummary(),
        sourceConfig: readOrigin(folder),
      };
      this.records.set(runId, record);
    }
    return record;
  }

  /** The runs this window has queued, first to start first (set by the run manager). */
  setQueue(runIds: readonly string[]): void {
    if (runIds.join('\n') === this.queueOrder.join('\n')) return;
    this.queueOrder = [...runIds];
    this.changed();
  }

  private info(record: RunRecord): RunInfo {
    const position = this.queueOrder.indexOf(record.id);
    const info = this.infoOf(record);
    return info.status === 'queued' && position >= 0 ? { ...info, queuePosition: position + 1 } : info;
  }

  private infoOf(record: RunRecord): RunInfo {
    const { state } = record;
    const logEnded = state.status !== undefined && !state.open;
    // A resumed run's log still ends with the earlier `end` until the new start event comes.
    const endedSinceLaunch = logEnded && state.startTime !== record.launchedAfterStart;
    return runInfo(record, {
      queued: record.managed === 'queued',
      launched: record.managed === 'running' && !endedSinceLaunch,
      outcome: record.outcome,
      ...(record.managed ? { pidAlive: false } : this.liveness(record)),
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
      const logs = vscode.workspace.createFileSystemWatcher(
        new vscode.RelativePattern(base, `${prefix}*/${RUN_FILES.events}`),
      );
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

  /** Whether the run's writer lives, or, when it cannot be checked here, how long its files have been quiet. */
  private liveness(record: RunRecord): Liveness {
    const { state } = record;
    const staleAfterSeconds = vscode.workspace.getConfiguration('moeLens').get<number>('staleAfterSeconds') ?? 120;
    // MoE Lens's own trainer names no host: its pid is checked (a trainer process); a writer that names
    // this host: any live process with its pid; another host, or no pid (an import): the quiet time decides.
    const checkable =
      state.pid !== undefined && state.pid > 0 && (state.host === undefined || state.host === hostname());
    if (checkable) {
      const pidAlive =
        state.open &&
        (state.host === undefined ? isTrainerAlive(state.pid, state.pidStartTime) : isProcessAlive(state.pid));
      return { pidAlive };
    }
    return { pidAlive: false, quietSeconds: record.tail.quietSeconds(), staleAfterSeconds };
  }

  private isQuiet(record: RunRecord): boolean {
    const { quietSeconds, staleAfterSeconds } = this.liveness(record);
    return quietSeconds !== undefined && staleAfterSeconds !== undefined && quietSeconds >= staleAfterSeconds;
  }

  /** The runs outside the runs directory: id (absolute path) -> folder. */
  private externalRuns(): Map<string, string> {
    const runs = new Map<string, string>();
    for (const root of [...this.extraRunRoots, ...this.openedFolders]) {
      if (runFolderKind(root) !== undefined) runs.set(root, root);
      else for (const name of runsIn(root)) runs.set(join(root, name), join(root, name));
    }
    return runs;
  }

  private async scan(): Promise<void> {
    const runsDir = this.runsDir;
    const found = new Set<string>();
    const fresh: RunRecord[] = [];
    for (const [id, path] of this.externalRuns()) {
      if (runsDir && path.startsWith(runsDir.fsPath + '/')) continue; // listed by its name below
      found.add(id);
      if (!this.records.has(id)) fresh.push(this.ensureRecord(id, vscode.Uri.file(path), true));
    }
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
        if (runFolderKind(folder.fsPath) === undefined) continue;
        found.add(name);
        if (!this.records.has(name)) fresh.push(this.ensureRecord(name, folder));
      }
    }
    for (const [id, record] of this.records) {
      const gone = record.external ? true : !existsSync(record.folder.fsPath);
      if (!found.has(id) && !record.managed && gone) this.records.delete(id);
    }
    this.changed();
    for (const record of fresh) void this.readFirst(record);
  }

  /**
   * A newly found run's log, read in the background: the scan lists every run at once ("reading log…"),
   * the logs are read side by side (batch by batch), and the tree updates as each read ends, so one
   * big log never holds back the listing of the others nor a later scan.
   */
  private async readFirst(record: RunRecord): Promise<void> {
    record.readingLog = true;
    try {
      const restored = await this.afterReads(record, () => this.restoreSummary(record));
      if (restored) this.changed();
      await this.readNew(record, false); // its history, not news: views call reduceRun
      const unchanged = restored?.lines.position.offset === record.tail.mark?.()?.lines.position.offset;
      if (!unchanged) this.saveSummary(record);
    } finally {
      record.readingLog = false;
      this.changed();
    }
  }

  /**
   * The summary an earlier window saved for the run's log, when the log is still the file it read: the
   * reader then goes on from where that window's stopped. Returns the mark resumed from.
   */
  private async restoreSummary(record: RunRecord): Promise<EventLogMark | undefined> {
    const saved = this.summaries?.get(record.tail.file);
    if (!saved || !(await record.tail.resume?.(saved.mark))) return undefined;
    record.state = saved.summary;
    record.logProblems = saved.logProblems;
    return saved.mark;
  }

  /** Keeps the summary of a log read to the end of a line for later windows. */
  private saveSummary(record: RunRecord): void {
    const mark = record.tail.mark?.();
    if (!mark || !this.summaries) return;
    this.summaries
      .save(record.tail.file, { mark, summary: record.state, logProblems: record.logProblems })
      .catch((error: Error) => this.log.warn(`saving the summary of ${record.tail.file}: ${error.message}`));
  }

  /** Runs `job` after any read of the run's log under way: reads of one log run one after another, never at once. */
  private afterReads<T>(record: RunRecord, job: () => Promise<T>): Promise<T> {
    const done = (record.reading ?? Promise.resolve()).then(job);
    record.reading = done.then(
      () => undefined,
      () => undefined,
    );
    return done;
  }

  /** Reads what the log of a run not managed here gained since last time, after any read of it under way. */
  private readNew(record: RunRecord, announce = true): Promise<void> {
    return this.afterReads(record, () => this.readNewNow(record, announce));
  }

  /** Reads what the log gained since its last read; announce: fire onDidAppendEvents. */
  private async readNewNow(record: RunRecord, announce: boolean): Promise<void> {
    if (record.managed === 'running') return; // its stdout is the source
    try {
      // In batches (each awaited), so a long log never blocks the host; a reset drops what came before.
      let ended = false;
      for (let more = true; more;) {
        const { events, problems, reset, more: rest } = await record.tail.read(this.isQuiet(record));
        more = rest === true;
        if (reset) {
          record.state = createRunSummary();
          record.logProblems = undefined;
          announce = false; // the views re-read the log: RunFeed notices the reset through onDidChangeRuns
        }
        this.report(record, problems);
        for (const event of events) applyEvent(record.state, event);
        ended ||= events.some((event) => event.type === 'end');
        if (announce && events.length > 0) this.appendEmitter.fire({ runId: record.id, events });
      }
      if (ended && announce) this.saveSummary(record); // a run trained elsewhere ended (readFirst saves its own)
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
    // A new run under a root, or in the runs directory if a file event was missed.
    const runsDir = this.runsDir?.fsPath;
    const present = [...this.externalRuns().keys(), ...(runsDir ? runsIn(runsDir) : [])];
    if (present.some((id) => !this.records.has(id))) await this.refresh();
    for (const record of this.records.values()) {
      if (record.readingLog) continue; // its first read is under way and reads to the end
      if (record.external || record.tail.kind === 'megatron') {
        // Not watched (outside the workspace, or not an events.jsonl): read what they gained.
        await this.readNew(record);
        polled = true;
        continue;
      }
      if (record.managed || !record.state.open) continue;
      // The same check as the status: a writer that names this host is any live process with its pid
      // (a Python trainer is not MoE Lens's trainer); an unchecked writer is read until it is quiet.
      const liveness = this.liveness(record);
      const alive = liveness.pidAlive || (liveness.quietSeconds !== undefined && !this.isQuiet(record));
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

/** the origin file names one config file */
const ORIGIN_MAX_BYTES = 64 * 1024;

function readOrigin(folder: vscode.Uri): vscode.Uri | undefined {
  try {
    // a run folder from anywhere (extra roots, opened folders): never a FIFO or a huge file read whole
    const file = join(folder.fsPath, EXTENSION_RUN_FILES.origin);
    const origin = JSON.parse(readRegularTextFileSync(file, 'run origin', ORIGIN_MAX_BYTES)) as RunOrigin;
    return typeof origin.configFile === 'string' ? vscode.Uri.file(origin.configFile) : undefined;
  } catch {
    return undefined;
  }
}
