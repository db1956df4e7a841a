/** Which run(s) a command is about: its argument (id, RunInfo, tree item), else a quick pick. */
import * as vscode from 'vscode';
import type { RunStatus } from '../../protocol/events';
import { runStamp } from '../../protocol/runLabels';
import { runDescription } from '../runs/format';
import { pickOne } from './quickPick';
import type { RunStore } from '../runs/runStore';
import type { RunInfo } from '../runs/types';

/** The run id in a command argument: a string, a RunInfo, or a tree item (runId / run). */
export function runIdOf(arg: unknown): string | undefined {
  if (typeof arg === 'string') return arg;
  if (!arg || typeof arg !== 'object') return undefined;
  const value = arg as { runId?: unknown; run?: { id?: unknown }; id?: unknown; folder?: unknown };
  if (typeof value.runId === 'string') return value.runId;
  if (typeof value.run?.id === 'string') return value.run.id;
  if (typeof value.id === 'string' && value.folder) return value.id;
  return undefined;
}

/** Which pick of a multi-step command this is, and what it asks for ("the left side of the diff"). */
export interface RunPickStep {
  step: number;
  totalSteps: number;
  placeholder: string;
}

export async function pickRun(
  store: RunStore,
  title: string,
  statuses?: RunStatus[],
  exclude?: string,
  step?: RunPickStep,
): Promise<RunInfo | undefined> {
  const runs = store.list().filter((run) => (!statuses || statuses.includes(run.status)) && run.id !== exclude);
  if (runs.length === 0) {
    void vscode.window.showInformationMessage(`MoE Lens: no run to ${title.toLowerCase()}.`);
    return undefined;
  }
  const picked = await pickOne(
    runs.map((run) => ({
      label: run.name,
      description: `${runStamp(run)} · ${runDescription(run)}`,
      detail: run.id,
      run,
    })),
    {
      title: `MoE Lens: ${title}`,
      placeholder: step?.placeholder ?? 'Pick a run',
      step: step?.step,
      totalSteps: step?.totalSteps,
      matchOnDescription: true,
      matchOnDetail: true,
    },
  );
  return picked?.run;
}

/** The run of the argument if it has an allowed status, else a quick pick among those that have. */
export async function runFromArg(
  store: RunStore,
  arg: unknown,
  title: string,
  statuses?: RunStatus[],
): Promise<RunInfo | undefined> {
  const id = runIdOf(arg);
  const run = id ? store.get(id) : undefined;
  if (run && (!statuses || statuses.includes(run.status))) return run;
  if (run) {
    void vscode.window.showWarningMessage(`MoE Lens: cannot ${title.toLowerCase()} ${run.name}: it is ${run.status}.`);
    return undefined;
  }
  return pickRun(store, title, statuses);
}
