/**
 * One webview's link to the runs it shows, shared by the dashboard panel and the routing view:
 * the `ready` handshake answered with a snapshot; live events coalesced into at most one append per
 * run every 250 ms, posted only while the webview is visible (a hidden webview drops messages); a
 * fresh snapshot when it becomes visible again; header updates when a run's info changes; and every
 * message from the webview validated before use.
 */
import type * as vscode from 'vscode';
import type { TrainerEvent } from '../../protocol/events';
import {
  parseWebviewMessage,
  type HostToWebviewMessage,
  type ViewMode,
  type WebviewToHostMessage,
} from '../../protocol/webviewMessages';
import type { RunRegistry } from '../runs/types';
import { runHeader, type RunFeed } from './runFeed';

/** At most four appends a second: the webviews redraw live data every 0.4 s at most (webview/shared/frame.ts). */
export const APPEND_INTERVAL_MS = 250;

export interface ConnectionOptions {
  webview: vscode.Webview;
  runs: RunRegistry;
  feed: RunFeed;
  mode: ViewMode;
  runIds: string[];
  isVisible(): boolean;
  onDidChangeVisibility: vscode.Event<unknown>;
  /** a validated message about one of the shown runs (ready is handled here) */
  onMessage(message: Exclude<WebviewToHostMessage, { type: 'ready' }>): void;
  log: (message: string) => void;
  /** one line per snapshot posted: how long the host took to have the runs' states (the speed bench reads it) */
  trace?: (message: string) => void;
  emptyMessage?: string;
}

export class WebviewConnection implements vscode.Disposable {
  private ready = false;
  /** a snapshot is due when the webview is next visible */
  private stale = true;
  private pending = new Map<string, TrainerEvent[]>();
  private headers = new Map<string, string>();
  private timer: ReturnType<typeof setTimeout> | undefined;
  private lastFlush = 0;
  private readonly disposables: vscode.Disposable[] = [];
  private snapshotVersion = 0;
  /** runs the last snapshot lacked because the registry did not know them yet (still scanning after a reload) */
  private missingRuns = 0;

  constructor(private readonly options: ConnectionOptions) {
    const { webview, runs } = options;
    this.disposables.push(
      webview.onDidReceiveMessage((raw: unknown) => this.receive(raw)),
      options.onDidChangeVisibility(() => {
        if (options.isVisible() && this.ready && this.stale) void this.sendSnapshot();
      }),
      runs.onDidAppendEvents(({ runId, events }) => {
        if (!this.options.runIds.includes(runId)) return;
        const queue = this.pending.get(runId) ?? [];
        queue.push(...events);
        this.pending.set(runId, queue);
        this.schedule();
      }),
      runs.onDidChangeRuns(() => {
        const missing = this.options.runIds.filter((id) => !runs.get(id)).length;
        if (this.missingRuns > missing && this.ready && this.options.isVisible()) void this.sendSnapshot();
        else this.schedule();
      }),
    );
  }

  get runIds(): readonly string[] {
    return this.options.runIds;
  }

  /** Shows other runs (the routing view follows the selection). */
  setRuns(runIds: string[], emptyMessage?: string): void {
    this.options.runIds = runIds;
    this.options.emptyMessage = emptyMessage;
    this.pending.clear();
    this.stale = true;
    if (this.ready && this.options.isVisible()) void this.sendSnapshot();
  }

  private receive(raw: unknown): void {
    let message: WebviewToHostMessage;
    try {
      message = parseWebviewMessage(raw);
    } catch (error) {
      this.options.log((error as Error).message);
      return;
    }
    if (message.type === 'ready') {
      this.ready = true;
      void this.sendSnapshot();
      return;
    }
    if ('runId' in message && !this.options.runIds.includes(message.runId)) {
      this.options.log(`webview asked to ${message.type} run ${JSON.stringify(message.runId)}, which it does not show`);
      return;
    }
    this.options.onMessage(message);
  }

  private post(message: HostToWebviewMessage): void {
    void this.options.webview.postMessage(message);
  }

  async sendSnapshot(): Promise<void> {
    const version = ++this.snapshotVersion;
    this.stale = false;
    this.pending.clear();
    const started = Date.now();
    const snapshots = await Promise.all(
      this.options.runIds.map((id) => this.options.feed.snapshot(id).catch(() => undefined)),
    );
    if (version !== this.snapshotVersion) return; // a newer snapshot is on its way
    const runs = snapshots.filter((s) => s !== undefined);
    this.missingRuns = snapshots.length - runs.length;
    for (const run of runs) this.headers.set(run.header.id, JSON.stringify(run.header));
    this.post({ type: 'snapshot', mode: this.options.mode, runs, emptyMessage: this.options.emptyMessage });
    this.options.trace?.(
      `snapshot of ${runs.map((run) => run.header.id).join(', ') || 'no run'} (${this.options.mode}): states ready in ${Date.now() - started} ms, posted at ${new Date().toISOString()}`,
    );
  }

  /** Flushes at once when the last flush is APPEND_INTERVAL_MS old (a run's first events wait for nothing), else then. */
  private schedule(): void {
    if (this.timer) return;
    const wait = Math.max(0, this.lastFlush + APPEND_INTERVAL_MS - Date.now());
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.lastFlush = Date.now();
      this.flush();
    }, wait);
  }

  private flush(): void {
    if (!this.ready || !this.options.isVisible()) {
      this.pending.clear();
      this.stale = true;
      return;
    }
    for (const [runId, events] of this.pending) this.post({ type: 'append', runId, events });
    this.pending.clear();
    for (const id of this.options.runIds) {
      const info = this.options.runs.get(id);
      if (!info) continue;
      const header = runHeader(info);
      const text = JSON.stringify(header);
      if (this.headers.get(id) === text) continue;
      this.headers.set(id, text);
      this.post({ type: 'header', header });
    }
  }

  dispose(): void {
    if (this.timer) clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
  }
}
