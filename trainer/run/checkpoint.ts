/**
 * Checkpoints: `<run>/checkpoint/` holds what the model saves plus the run loop's state.json.
 * Written atomically: into a temporary folder, then renamed over the previous one, so a crash at any
 * moment leaves one complete checkpoint (the previous one survives as checkpoint.old until the swap ends).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/events';
import type { MoeModel } from '../model/api';

export const STATE_FILE = 'state.json';
const OLD = `${RUN_FILES.checkpoint}.old`;

/** What the run loop needs, besides the model, to continue exactly. */
export interface RunState {
  version: 1;
  /** steps completed */
  step: number;
  /** state of the batch sampler's Rng: the data position */
  rngState: number;
  /** hash of the tokenized data; resuming on different data is refused */
  dataHash: string;
  /** training seconds before this checkpoint, over all sessions */
  elapsedSeconds: number;
}

export async function saveCheckpoint(runDir: string, model: MoeModel, state: RunState): Promise<string> {
  const final = join(runDir, RUN_FILES.checkpoint);
  const temp = join(runDir, `${RUN_FILES.checkpoint}.tmp-${process.pid}`);
  const old = join(runDir, OLD);
  rmSync(temp, { recursive: true, force: true });
  mkdirSync(temp, { recursive: true });
  await model.save(temp);
  writeFileSync(join(temp, STATE_FILE), JSON.stringify(state, null, 2) + '\n');
  rmSync(old, { recursive: true, force: true });
  if (existsSync(final)) renameSync(final, old);
  renameSync(temp, final);
  rmSync(old, { recursive: true, force: true });
  return RUN_FILES.checkpoint;
}

/** The folder of the newest complete checkpoint of a run, or undefined. */
export function findCheckpoint(runDir: string): string | undefined {
  return [RUN_FILES.checkpoint, OLD].map((name) => join(runDir, name)).find((dir) => existsSync(join(dir, STATE_FILE)));
}

export function readState(checkpointDir: string): RunState {
  const file = join(checkpointDir, STATE_FILE);
  const state = JSON.parse(readFileSync(file, 'utf8')) as RunState;
  if (state.version !== 1 || !Number.isInteger(state.step) || typeof state.rngState !== 'number') {
    throw new Error(`${file}: not a checkpoint state written by this trainer`);
  }
  return state;
}
