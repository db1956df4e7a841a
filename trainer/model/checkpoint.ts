/**
 * Checkpoint files: `weights.bin` (every parameter, float32, in manifest order), `adam.bin` (first
 * then second moments), and `model.json` (names, shapes, step, each router's loss-free biases and
 * global-aux-loss count window). Restoring all of
 * it makes a resumed run compute exactly what the uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import { rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readRegularFileSync, readRegularTextFileSync } from '../../nodeio/regularFile';
import type { AdamW } from '../training/adamw';
import type { Param } from './params';
import type { Router } from './router';

export const CHECKPOINT_FILES = { manifest: 'model.json', weights: 'weights.bin', adam: 'adam.bin' } as const;
const FORMAT = 1;

interface Manifest {
  format: number;
  step: number;
  params: { name: string; shape: number[] }[];
  /** per MoE layer */
  biases: number[][];
  /** per MoE layer (absent in checkpoints written before global-aux-loss: empty windows) */
  countWindows?: number[][][];
}

function toBuffer(arrays: Float32Array[]): Buffer {
  return Buffer.concat(arrays.map((a) => Buffer.from(a.buffer, a.byteOffset, a.byteLength)));
}

function toFloats(buffer: Buffer): Float32Array {
  // copy: a Buffer's byteOffset need not be float-aligned
  return new Float32Array(buffer.buffer.slice(buffer.byteOffset, buffer.byteOffset + buffer.byteLength));
}

/** Writes to a temporary name first so a crash mid-write never leaves a half-written file. */
async function writeAtomic(path: string, data: string | Buffer): Promise<void> {
  await writeFile(`${path}.tmp`, data);
  await rename(`${path}.tmp`, path);
}

export async function saveModelState(dir: string, params: Param[], optimizer: AdamW, routers: Router[]): Promise<void> {
  // awaited reads: webgpu has no synchronous ones
  const weights = (await Promise.all(params.map((p) => p.variable.data()))) as Float32Array[];
  const moments = (await Promise.all([optimizer.m.data(), optimizer.v.data()])) as Float32Array[];
  const manifest: Manifest = {
    format: FORMAT,
    step: optimizer.step,
    params: params.map((p) => ({ name: p.name, shape: p.variable.shape })),
    biases: routers.map((r) => r.state().bias),
    countWindows: routers.map((r) => r.state().countWindow),
  };
  await writeAtomic(join(dir, CHECKPOINT_FILES.weights), toBuffer(weights));
  await writeAtomic(join(dir, CHECKPOINT_FILES.adam), toBuffer(moments));
  await writeAtomic(join(dir, CHECKPOINT_FILES.manifest), JSON.stringify(manifest, null, 1) + '\n');
}

/** A checkpoint file that cannot be what save() wrote: the message names the file and what is wrong. */
export class CheckpointError extends Error {
  override name = 'CheckpointError';
}

const MAX_MANIFEST_BYTES = 16 * 1024 * 1024;

function readManifest(file: string): Manifest {
  let manifest: Manifest;
  try {
    manifest = JSON.parse(readRegularTextFileSync(file, 'checkpoint manifest', MAX_MANIFEST_BYTES)) as Manifest;
  } catch (error) {
    throw new CheckpointError(
      error instanceof SyntaxError ? `${file}: not valid JSON: ${error.message}` : (error as Error).message,
    );
  }
  if (!manifest || typeof manifest !== 'object') throw new CheckpointError(`${file}: expected a JSON object`);
  if (manifest.format !== FORMAT)
    throw new CheckpointError(`${file}: $.format is ${JSON.stringify(manifest.format)}, expected ${FORMAT}`);
  if (!Number.isSafeInteger(manifest.step) || manifest.step < 0) {
    throw new CheckpointError(`${file}: $.step: expected a step count, got ${JSON.stringify(manifest.step)}`);
  }
  const isShape = (p: Manifest['params'][number]) =>
    p && typeof p.name === 'string' && Array.isArray(p.shape) && p.shape.every((n) => Number.isSafeInteger(n));
  if (!Array.isArray(manifest.params) || !manifest.params.every(isShape)) {
    throw new CheckpointError(`${file}: $.params: expected a list of { name, shape }`);
  }
  const isBias = (b: unknown) => Array.isArray(b) && b.every((x) => typeof x === 'number');
  if (!Array.isArray(manifest.biases) || !manifest.biases.every(isBias)) {
    throw new CheckpointError(`${file}: $.biases: expected a list of number lists`);
  }
  if (
    manifest.countWindows !== undefined &&
    !(Array.isArray(manifest.countWindows) && manifest.countWindows.every((w) => Array.isArray(w) && w.every(isBias)))
  ) {
    throw new CheckpointError(`${file}: $.countWindows: expected per MoE layer a list of number lists`);
  }
  return manifest;
}

/** Reads exactly `count` float32s; the file's size is checked before it is read. */
function readFloats(file: string, count: number): Float32Array {
  let buffer: Buffer;
  try {
    buffer = readRegularFileSync(file, 'checkpoint file', count * 4);
  } catch (error) {
    throw new CheckpointError(`${(error as Error).message} (expected ${count} floats)`);
  }
  if (buffer.length !== count * 4)
    throw new CheckpointError(`${file}: ${buffer.length} bytes, expected ${count * 4} (${count} floats; truncated?)`);
  return toFloats(buffer);
}

/** Restores a checkpoint into a model made with the same config; throws naming any mismatch. */
export async function loadModelState(dir: string, params: Param[], optimizer: AdamW, routers: Router[]): Promise<void> {
  const manifestPath = join(dir, CHECKPOINT_FILES.manifest);
  const manifest = readManifest(manifestPath);
  const shapeOf = (shape: number[]) => `[${shape.join(', ')}]`;
  if (manifest.params.length !== params.length) {
    throw new CheckpointError(`${manifestPath}: ${manifest.params.length} parameters, the model has ${params.length}`);
  }
  manifest.params.forEach((saved, i) => {
    const p = params[i];
    if (saved.name !== p.name || shapeOf(saved.shape) !== shapeOf(p.variable.shape)) {
      throw new CheckpointError(
        `${manifestPath}: $.params[${i}] is ${saved.name} ${shapeOf(saved.shape)}, the model expects ${p.name} ${shapeOf(p.variable.shape)}`,
      );
    }
  });
  const experts = routers[0]?.bias.length ?? 0;
  const windows = manifest.countWindows ?? routers.map(() => []);
  const fits = (rows: number[][]) => rows.every((row) => row.length === experts);
  if (
    manifest.biases.length !== routers.length ||
    windows.length !== routers.length ||
    !fits(manifest.biases) ||
    !windows.every(fits)
  ) {
    throw new CheckpointError(
      `${manifestPath}: $.biases or $.countWindows does not match ${routers.length} MoE layers of ${experts} experts`,
    );
  }
  const total = params.reduce((n, p) => n + p.variable.size, 0);
  const weights = readFloats(join(dir, CHECKPOINT_FILES.weights), total);
  const moments = readFloats(join(dir, CHECKPOINT_FILES.adam), 2 * total);
  tf.tidy(() => {
    let offset = 0;
    for (const p of params) {
      p.variable.assign(tf.tensor(weights.subarray(offset, offset + p.variable.size), p.variable.shape));
      offset += p.variable.size;
    }
    optimizer.m.assign(tf.tensor1d(moments.subarray(0, total)));
    optimizer.v.assign(tf.tensor1d(moments.subarray(total)));
  });
  optimizer.step = manifest.step;
  routers.forEach((r, i) => r.restore({ bias: manifest.biases[i], countWindow: windows[i] }));
}
