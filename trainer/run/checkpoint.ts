/**
 * Checkpoints: `<run>/checkpoint/` holds what the model saves plus the run loop's state.json.
 * Written atomically: into a temporary folder, then renamed over the previous one, so a crash at any
 * moment leaves one complete checkpoint (the previous one survives as checkpoint.old until the swap ends).
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { readRegularTextFileSync } from '../../nodeio/regularFile';
import { RUN_FILES } from '../../protocol/events';
import type { MoeModel } from '../model/api';
import { UsageError } from './usageError';

export const STATE_FILE = 'state.json';
const OLD = `${RUN_FILES.checkpoint}.old`;
const TEMP_PREFIX = `${RUN_FILES.checkpoint}.tmp-`;

/** What the run loop needs, besides the model, to continue exactly. */
export interface ResumeState {
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

export async function writeCheckpoint(runDir: string, model: MoeModel, state: ResumeState): Promise<string> {
  const final = join(runDir, RUN_FILES.checkpoint);
  const temp = join(runDir, `${TEMP_PREFIX}${process.pid}`);
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

/**
 * Removes the half-written checkpoints a killed trainer left (`checkpoint.tmp-<pid>`). Only called
 * by the holder of the run's lock, so no other trainer is writing one.
 */
export function removeTemporaryCheckpoints(runDir: string): void {
  for (const name of readdirSync(runDir)) {
    if (name.startsWith(TEMP_PREFIX)) rmSync(join(runDir, name), { recursive: true, force: true });
  }
}

/** Reads a checkpoint's state.json; any problem is a UsageError naming the file and the field. */
export function readResumeState(checkpointDir: string): ResumeState {
  const file = join(checkpointDir, STATE_FILE);
  let state: ResumeState;
  try {
    state = JSON.parse(readRegularTextFileSync(file, 'checkpoint state', 64 * 1024)) as ResumeState;
  } catch (error) {
    throw new UsageError(
      error instanceof SyntaxError ? `${file}: not valid JSON: ${error.message}` : (error as Error).message,
    );
  }
  const isObject = state !== null && typeof state === 'object' && !Array.isArray(state);
  const field = (name: keyof ResumeState, ok: (v: unknown) => boolean, expected: string) =>
    ok(state[name]) ? undefined : `$.${name}: expected ${expected}, got ${JSON.stringify(state[name])}`;
  const isNumber = (v: unknown) => typeof v === 'number' && Number.isFinite(v);
  const problem = !isObject
    ? 'expected a JSON object'
    : (field('version', (v) => v === 1, '1') ??
      field('step', (v) => Number.isSafeInteger(v) && (v as number) >= 0, 'a step count') ??
      field('rngState', isNumber, 'a number') ??
      field('dataHash', (v) => typeof v === 'string', 'a string') ??
      field('elapsedSeconds', isNumber, 'a number'));
  if (problem) throw new UsageError(`${file}: not a checkpoint state written by this trainer: ${problem}`);
  return state;
}
