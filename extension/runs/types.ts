/**
 * What the extension knows of runs: the contract between the run manager / Runs tree
 * (extension/runs, extension/commands) and the webview hosts (extension/webviews).
 */
import type * as vscode from 'vscode';
import type { RunStatus, TrainerEvent } from '../../protocol/events';
import type { RunState } from '../../protocol/runModel/runState';

export interface RunInfo {
  /** the run folder's name, unique in the runs directory */
  id: string;
  folder: vscode.Uri;
  name: string;
  /** e.g. "loss-free+simbal" (balancerLabel) */
  balancer: string;
  status: RunStatus;
  step: number;
  totalSteps: number;
  lastValLoss?: number;
  /** last MaxVio: global from the last eval if any, else the last batch's */
  lastMaxVio?: number;
  tokensPerSecond?: number;
  /** why the run failed / diverged / was stopped (end event reason, or the trainer's last stderr) */
  reason?: string;
  /** the config file the run was started from, when known */
  sourceConfig?: vscode.Uri;
  /** seconds left at the current pace, while running */
  etaSeconds?: number;
  /** time of the run's first start event (ISO 8601) */
  startedAt?: string;
  /** the backend of the latest start event, e.g. "wasm"; why it was chosen; its WebGPU adapter */
  backend?: string;
  /** a queued run's place in this window's queue: 1 starts next */
  queuePosition?: number;
  backendReason?: string;
  adapter?: string;
  /** lines of the run's log that are not valid events: how many, and the first ("line 12: runName: expected …") */
  logProblems?: { count: number; first: string };
}

export interface RunEventsAppended {
  runId: string;
  events: TrainerEvent[];
}

export interface RunRegistry {
  /** a run was added, removed, or its RunInfo changed */
  readonly onDidChangeRuns: vscode.Event<void>;
  /** new events of a run (live runs, as the trainer writes them) */
  readonly onDidAppendEvents: vscode.Event<RunEventsAppended>;
  /** the run selected in the Runs tree (or the most recently started one) */
  readonly onDidChangeSelectedRun: vscode.Event<string | undefined>;
  readonly selectedRunId: string | undefined;
  list(): RunInfo[];
  get(runId: string): RunInfo | undefined;
  /** the full run state of the run's log, reduced as the log streams in (bounded memory) */
  reduceRun(runId: string): Promise<RunState>;
  /** SIGTERM, then kill the process tree after the grace period */
  stop(runId: string): Promise<void>;
}
