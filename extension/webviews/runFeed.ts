/**
 * The host's full run states, for the runs a webview shows: each run's events.jsonl reduced once into
 * a bounded RunState (protocol/runModel/runState.ts), kept current from the registry's live appends,
 * so a snapshot of a 100,000-step run is a few thousand points, not the whole log. The registry keeps
 * only a summary of every run; the curves live here, for at most CACHED_RUNS runs.
 */
import type * as vscode from 'vscode';
import type { RunHeader, RunSnapshot } from '../../protocol/webviewMessages';
import { applyEvent, type RunState } from '../../protocol/runModel/runState';
import type { RunInfo, RunRegistry } from '../runs/types';

/** Runs whose reduced state is kept; older ones are read again from their log when shown. */
const CACHED_RUNS = 8;

export function runHeader(run: RunInfo): RunHeader {
  return {
    id: run.id,
    name: run.name,
    balancer: run.balancer,
    status: run.status,
    step: run.step,
    totalSteps: run.totalSteps,
    tokensPerSecond: run.tokensPerSecond,
    etaSeconds: run.etaSeconds,
    reason: run.reason,
    backend: run.backend,
    queuePosition: run.queuePosition,
    backendReason: run.backendReason,
    adapter: run.adapter,
  };
}

export class RunFeed implements vscode.Disposable {
  private readonly states = new Map<string, Promise<RunState>>();
  private readonly subscription: vscode.Disposable;

  constructor(private readonly runs: RunRegistry) {
    this.subscription = runs.onDidAppendEvents(({ runId, events }) => {
      // A load in progress read the log before these events or after them: the reducer skips replays.
      void this.states.get(runId)?.then((state) => events.forEach((event) => applyEvent(state, event)));
    });
  }

  private state(runId: string): Promise<RunState> {
    let state = this.states.get(runId);
    if (state) {
      this.states.delete(runId); // re-insert: most recently used last
    } else {
      state = this.runs.reduceRun(runId);
      state.catch(() => this.states.delete(runId));
    }
    this.states.set(runId, state);
    while (this.states.size > CACHED_RUNS) this.states.delete(this.states.keys().next().value as string);
    return state;
  }

  /** The run's header and reduced state; undefined for a run the registry no longer has. */
  async snapshot(runId: string): Promise<RunSnapshot | undefined> {
    const info = this.runs.get(runId);
    if (!info) return undefined;
    return { header: runHeader(info), state: await this.state(runId) };
  }

  forget(runId: string): void {
    this.states.delete(runId);
  }

  dispose(): void {
    this.subscription.dispose();
    this.states.clear();
  }
}
