/**
 * Checkpoint files: `weights.bin` (every parameter, float32, in manifest order), `adam.bin` (first
 * then second moments), and `model.json` (names, shapes, step, loss-free biases). Restoring all of
 * it makes a resumed run compute exactly what the uninterrupted run would have.
 */
import * as tf from '@tensorflow/tfjs';
import { readFile, rename, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { AdamW } from '../training/adamw';
import type { Param } from './params';

export const CHECKPOINT_FILES = { manifest: 'model.json', weights: 'weights.bin', adam: 'adam.bin' } as const;
const FORMAT = 1;

interface Manifest {
  format: number;
  step: number;
  params: { name: string; shape: number[] }[];
  biases: number[][];
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

export async function saveCheckpoint(dir: string, params: Param[], optimizer: AdamW, biases: Float32Array[]): Promise<void> {
  // awaited reads: webgpu has no synchronous ones
  const weights = (await Promise.all(params.map((p) => p.variable.data()))) as Float32Array[];
  const moments = (await Promise.all([optimizer.m.data(), optimizer.v.data()])) as Float32Array[];
  const manifest: Manifest = {
    format: FORMAT,
    step: optimizer.step,
    params: params.map((p) => ({ name: p.name, shape: p.variable.shape })),
    biases: biases.map((b) => Array.from(b)),
  };
  await writeAtomic(join(dir, CHECKPOINT_FILES.weights), toBuffer(weights));
  await writeAtomic(join(dir, CHECKPOINT_FILES.adam), toBuffer(moments));
  await writeAtomic(join(dir, CHECKPOINT_FILES.manifest), JSON.stringify(manifest, null, 1) + '\n');
}

/** Restores a checkpoint into a model made with the same config; throws naming any mismatch. */
export async function loadCheckpoint(dir: string, params: Param[], optimizer: AdamW, biases: Float32Array[]): Promise<void> {
  const manifestPath = join(dir, CHECKPOINT_FILES.manifest);
  const manifest = JSON.parse(await readFile(manifestPath, 'utf8')) as Manifest;
  if (manifest.format !== FORMAT) throw new Error(`${manifestPath}: format ${manifest.format}, expected ${FORMAT}`);
  const shapeOf = (shape: number[]) => `[${shape.join(', ')}]`;
  if (manifest.params.length !== params.length) {
    throw new Error(`${manifestPath}: ${manifest.params.length} parameters, the model has ${params.length}`);
  }
  manifest.params.forEach((saved, i) => {
    const p = params[i];
    if (saved.name !== p.name || shapeOf(saved.shape) !== shapeOf(p.variable.shape)) {
      throw new Error(
        `${manifestPath}: $.params[${i}] is ${saved.name} ${shapeOf(saved.shape)}, the model expects ${p.name} ${shapeOf(p.variable.shape)}`,
      );
    }
  });
  if (manifest.biases.length !== biases.length || manifest.biases.some((b, i) => b.length !== biases[i].length)) {
    throw new Error(`${manifestPath}: $.biases does not match ${biases.length} MoE layers of ${biases[0]?.length ?? 0} experts`);
  }
  const weights = toFloats(await readFile(join(dir, CHECKPOINT_FILES.weights)));
  const moments = toFloats(await readFile(join(dir, CHECKPOINT_FILES.adam)));
  const total = params.reduce((n, p) => n + p.variable.size, 0);
  if (weights.length !== total) throw new Error(`${join(dir, CHECKPOINT_FILES.weights)}: ${weights.length} floats, expected ${total}`);
  if (moments.length !== 2 * total) throw new Error(`${join(dir, CHECKPOINT_FILES.adam)}: ${moments.length} floats, expected ${2 * total}`);
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
  manifest.biases.forEach((b, i) => biases[i].set(b));
}
