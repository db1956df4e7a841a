/**
 * The messages between the extension host and the MoE Lens webviews (dashboard panel, routing view):
 * a discriminated union each way. The host validates every message a webview sends with
 * parseWebviewMessage before acting on it.
 *
 * Flow: the webview posts `ready` once its script runs; the host answers with a `snapshot` (reduced,
 * downsampled run state), then posts coalesced `append`s of new trainer events (at most ~10 a second,
 * only while the view is visible) and `header` updates; a view that becomes visible again gets a
 * fresh snapshot.
 */
import type { RunStatus, TrainerEvent } from './events';
import type { RunState } from './runModel/runState';

/** What the views show of a run as the host sees it: its status (the log alone does not know queued or
 * interrupted), progress and pace. Views show these as sent, so every view says the same. */
export interface RunHeader {
  id: string;
  name: string;
  balancer: string;
  status: RunStatus;
  step: number;
  totalSteps: number;
  /** tokens/s and seconds left as protocol/runModel/pace.ts defines them (the status bar shows the same) */
  tokensPerSecond?: number;
  etaSeconds?: number;
  reason?: string;
  /** the backend of the latest start event, e.g. "wasm"; why it was chosen; its WebGPU adapter (webgpu only) */
  backend?: string;
  /** a queued run's place in the queue: 1 starts next */
  queuePosition?: number;
  backendReason?: string;
  adapter?: string;
}

export interface RunSnapshot {
  header: RunHeader;
  state: RunState;
}

export type ViewMode = 'single' | 'compare' | 'routing';

export type HostToWebviewMessage =
  | {
      type: 'snapshot';
      mode: ViewMode;
      runs: RunSnapshot[];
      /** shown instead of charts when `runs` is empty (routing view with no run yet) */
      emptyMessage?: string;
    }
  | { type: 'append'; runId: string; events: TrainerEvent[] }
  | { type: 'header'; header: RunHeader };

export type WebviewToHostMessage =
  | { type: 'ready' }
  | { type: 'stop'; runId: string }
  | { type: 'openDashboard'; runId: string }
  | { type: 'resume'; runId: string }
  | ExportFileMessage;

/** A chart as PNG (a data:image/png;base64 URL) or a card's curves as CSV text, saved by the host after a save dialog. */
export interface ExportFileMessage {
  type: 'exportFile';
  kind: 'png' | 'csv';
  /** suggested file name: no folders */
  fileName: string;
  data: string;
}

/** The largest export accepted (a PNG of a chart is ~100 KB, a CSV of 2,000 steps × 20 curves ~1 MB). */
export const MAX_EXPORT_CHARS = 32 * 2 ** 20;

/** The dashboard's webview state (vscode.setState), which the panel serializer gets back after a reload. */
export interface DashboardViewState {
  runIds: string[];
  mode: 'single' | 'compare';
  scrollY?: number;
  /** MoE layer chosen for the per-layer charts */
  layer?: number;
  /** step shown by the load heatmap's step slider; absent = follow the latest */
  loadStep?: number;
  /** the chart toolbar's smoothing, y scale and x axis */
  charts?: { smoothing: number; yScale: 'linear' | 'log'; xAxis: 'step' | 'relative' | 'wall' };
}

export class WebviewMessageError extends Error {
  constructor(message: string) {
    super(`invalid message from webview: ${message}`);
    this.name = 'WebviewMessageError';
  }
}

/** A run folder's name: no path separators or control characters, not `.` or `..`. */
const RUN_ID = /^(?!\.\.?$)[^/\\\u0000-\u001f]{1,200}$/;

function checkedRunId(message: Record<string, unknown>): string {
  const id = message.runId;
  if (typeof id !== 'string' || !RUN_ID.test(id)) {
    throw new WebviewMessageError(
      `${String(message.type)}.runId: expected a run folder name, got ${JSON.stringify(id)}`,
    );
  }
  return id;
}

const FILE_NAME = /^(?!\.)[^/\\\u0000-\u001f:*?"<>|]{1,120}$/;

function parseExportFile(message: Record<string, unknown>): ExportFileMessage {
  const { kind, fileName, data } = message;
  if (kind !== 'png' && kind !== 'csv')
    throw new WebviewMessageError(`exportFile.kind: expected "png" or "csv", got ${JSON.stringify(kind)}`);
  if (typeof fileName !== 'string' || !FILE_NAME.test(fileName) || !fileName.endsWith(`.${kind}`)) {
    throw new WebviewMessageError(
      `exportFile.fileName: expected a file name ending in .${kind} without folders, got ${JSON.stringify(fileName)}`,
    );
  }
  if (typeof data !== 'string' || data.length > MAX_EXPORT_CHARS) {
    throw new WebviewMessageError(`exportFile.data: expected a string of at most ${MAX_EXPORT_CHARS} characters`);
  }
  if (kind === 'png' && !/^data:image\/png;base64,[A-Za-z0-9+/]+=*$/.test(data)) {
    throw new WebviewMessageError('exportFile.data: expected a data:image/png;base64 URL');
  }
  return { type: 'exportFile', kind, fileName, data };
}

/** Checks a message posted by a webview; throws WebviewMessageError naming what is wrong. */
export function parseWebviewMessage(value: unknown): WebviewToHostMessage {
  if (!value || typeof value !== 'object' || Array.isArray(value)) throw new WebviewMessageError('expected an object');
  const message = value as Record<string, unknown>;
  switch (message.type) {
    case 'ready':
      return { type: 'ready' };
    case 'stop':
      return { type: 'stop', runId: checkedRunId(message) };
    case 'openDashboard':
      return { type: 'openDashboard', runId: checkedRunId(message) };
    case 'resume':
      return { type: 'resume', runId: checkedRunId(message) };
    case 'exportFile':
      return parseExportFile(message);
    default:
      throw new WebviewMessageError(
        `type: expected "ready", "stop", "resume", "openDashboard" or "exportFile", got ${JSON.stringify(message.type)}`,
      );
  }
}

/** Reads a dashboard's saved webview state (it comes from the webview, so it is checked too). */
export function parseDashboardViewState(value: unknown): DashboardViewState | undefined {
  if (!value || typeof value !== 'object') return undefined;
  const state = value as Record<string, unknown>;
  const ids = state.runIds;
  if (!Array.isArray(ids) || ids.length === 0 || !ids.every((id) => typeof id === 'string' && RUN_ID.test(id)))
    return undefined;
  const num = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) && v >= 0 ? v : undefined);
  return {
    runIds: ids as string[],
    mode: state.mode === 'compare' ? 'compare' : 'single',
    scrollY: num(state.scrollY),
    layer: num(state.layer),
    loadStep: num(state.loadStep),
  };
}
