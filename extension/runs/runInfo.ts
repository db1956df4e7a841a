/**
 * A run as the views show it (RunInfo), from its summary and what this window knows of its trainer:
 * status, step, pace and the rest, each computed once here with the run model's definitions
 * (protocol/runModel). No 'vscode' import at run time: unit-tested under plain node.
 */
import type * as vscode from 'vscode';
import { runPace } from '../../protocol/runModel/pace';
import type { RunSummary } from '../../protocol/runModel/runState';
import { runStatus, shownMaxVio, type Liveness } from '../../protocol/runModel/status';
import type { RunInfo } from './types';

/** What is known of a run before its trainer writes anything (a queued run). */
export interface PlannedRun {
  name: string;
  balancer: string;
  totalSteps: number;
}

export interface RunRecordView {
  id: string;
  folder: vscode.Uri;
  state: RunSummary;
  planned?: PlannedRun;
  sourceConfig?: vscode.Uri;
  logProblems?: { count: number; first: string };
  /** the first read of its log is under way */
  readingLog?: boolean;
}

/** A name from a log as the views show it: control and bidi-override characters become "�". */
function printable(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

export function runInfo(record: RunRecordView, liveness: Liveness): RunInfo {
  const { state, planned } = record;
  const verdict = runStatus(state, liveness);
  return {
    id: record.id,
    folder: record.folder,
    name: printable(state.runName) || planned?.name || record.id,
    balancer: state.balancer || planned?.balancer || '?',
    status: verdict.status,
    reason: verdict.reason,
    step: state.step,
    totalSteps: state.totalSteps || planned?.totalSteps || 0,
    lastValLoss: state.lastValLoss,
    lastMaxVio: shownMaxVio(state),
    ...runPace(state, verdict.status),
    startedAt: state.startedAt,
    backend: state.backend || undefined,
    backendReason: state.backendReason,
    adapter: state.adapter,
    sourceConfig: record.sourceConfig,
    ...(record.logProblems && { logProblems: record.logProblems }),
    ...(record.readingLog && { readingLog: true }),
  };
}
