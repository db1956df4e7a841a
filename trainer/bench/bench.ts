/**
 * `npm run bench [-- --steps N] [--backend wasm|cpu|webgpu|…] [--shape cpu|gpu] [--no-torch] [--profile-steps N]`:
 * trains a reference shape on synthetic random tokens and prints tokens/s, kernels, GPU dispatches
 * and reads per step, tensor count and RSS at the first and last step, and (wasm, cpu) where the time
 * goes (kernel profile, forward vs backward + update). Then, when /usr/bin/python3 has torch, the
 * same model in PyTorch in the same run (trainer/bench/reference_torch.py) and the ratio: on one CPU
 * thread for the CPU shape, on CUDA for the GPU shape (skipped without CUDA).
 * Shapes: `cpu` is the reference CPU shape of docs/speed.md (batch 16 × seq 128, dModel 128, 2 layers, 4 heads,
 * 8 experts top-2, hidden 256, vocab 96, AdamW, aux loss); `gpu` (`npm run bench:gpu`) is sized for a
 * GPU (batch 32 × seq 512, dModel 512, 8 layers, 64 experts top-8); on a software adapter (lavapipe)
 * it is cut to `gpu-reduced` (correctness only: docs/speed.md). `tiny` is examples/tiny.moe.json's model,
 * for memory checks over many steps (`--shape tiny --steps 1000`).
 */
import * as tf from '@tensorflow/tfjs';
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { resolveRunConfig, type RunConfig } from '../../protocol/runConfig';
import { BACKENDS, type BackendName } from '../../protocol/runConfig';
import { selectBackend } from '../backend';
import { describeCounts, WorkCounter } from './counters';
import type { Batch } from '../model/api';
import { createMoeModel } from '../model/index';
import { forward } from '../model/transformer';
import { seededRandom } from '../model/random';

const VOCAB = 96;

function option(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

export const REFERENCE_SHAPE = {
  model: {
    layers: 2,
    dModel: 128,
    heads: 4,
    seqLen: 128,
    experts: 8,
    topK: 2,
    expertHidden: 256,
    gate: 'softmax' as const,
    moeEvery: 1,
  },
  training: { batchSize: 16, lr: 1e-3, weightDecay: 0.01, gradClip: 1, seed: 1, steps: 1000, warmup: 0 },
  balancer: { methods: ['aux-loss' as const], auxAlpha: 0.01 },
};
type Shape = typeof REFERENCE_SHAPE;

/** `base` with some model fields and the batch size changed. */
const variant = (base: Shape, model: Partial<Shape['model']>, batchSize: number): Shape => ({
  ...base,
  model: { ...base.model, ...model },
  training: { ...base.training, batchSize },
});

/** Fine-grained experts at a size where a GPU, not dispatch overhead, sets the pace (~4.6 TFLOP a step). */
const GPU_SHAPE = variant(
  REFERENCE_SHAPE,
  { layers: 8, dModel: 512, heads: 8, seqLen: 512, experts: 64, topK: 8, expertHidden: 512 },
  32,
);

/** examples/tiny.moe.json's model: for long memory checks (`--shape tiny --steps 1000`). */
const TINY_SHAPE = variant(
  REFERENCE_SHAPE,
  { layers: 1, dModel: 16, heads: 2, seqLen: 16, experts: 4, topK: 2, expertHidden: 16 },
  4,
);

/** The GPU shape's routing (64 experts top-8) at a size lavapipe (~3 GFLOP/s) steps in seconds. */
const GPU_SHAPE_REDUCED = variant(GPU_SHAPE, { layers: 2, dModel: 64, heads: 4, seqLen: 64, expertHidden: 64 }, 8);

function randomBatch(random: () => number, config: RunConfig): Batch {
  const { batchSize } = config.training;
  const { seqLen } = config.model;
  const tokens = Int32Array.from({ length: batchSize * (seqLen + 1) }, () => Math.floor(random() * VOCAB));
  const inputs = new Int32Array(batchSize * seqLen);
  const targets = new Int32Array(batchSize * seqLen);
  for (let b = 0; b < batchSize; b++) {
    inputs.set(tokens.subarray(b * (seqLen + 1), b * (seqLen + 1) + seqLen), b * seqLen);
    targets.set(tokens.subarray(b * (seqLen + 1) + 1, (b + 1) * (seqLen + 1)), b * seqLen);
  }
  return { inputs, targets, batchSize, seqLen };
}

/** Matmul FLOPs of one training step (forward × 3: the backward does two matmuls per forward one). */
function stepFlops(config: RunConfig): number {
  const { layers, dModel: d, heads, seqLen: s, experts, topK, expertHidden: h } = config.model;
  const b = config.training.batchSize;
  const t = b * s;
  const perLayer =
    2 * t * d * 3 * d +
    2 * t * d * d +
    2 * t * d * experts +
    2 * (t * topK) * 2 * d * h +
    2 * 2 * b * heads * s * s * (d / heads);
  return 3 * (layers * perLayer + 2 * t * d * VOCAB);
}

const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
/** webgpu: bytes held by tensors and bytes of GPU buffers allocated (with the pool), else '' */
function gpuBytes(): string {
  const m = tf.memory() as tf.MemoryInfo & { numBytesInGPU?: number; numBytesAllocatedInGPU?: number };
  return m.numBytesInGPU === undefined
    ? ''
    : `, GPU ${m.numBytesInGPU.toLocaleString('en')} B in tensors / ${m.numBytesAllocatedInGPU!.toLocaleString('en')} B allocated`;
}

async function main(): Promise<void> {
  const requested = option('backend', 'wasm') as BackendName;
  if (!BACKENDS.includes(requested))
    throw new Error(`--backend: expected one of ${BACKENDS.join(', ')}, got ${requested}`);
  const choice = await selectBackend(requested);
  const backend = choice.name;
  const requestedShape = option('shape', 'cpu');
  if (!['cpu', 'gpu', 'tiny'].includes(requestedShape))
    throw new Error(`--shape: expected cpu, gpu or tiny, got ${requestedShape}`);
  const gpuShape = requestedShape === 'gpu';
  const software = choice.adapter?.software === true;
  const shapeName = gpuShape && software ? 'gpu-reduced' : requestedShape;
  const shape = { gpu: GPU_SHAPE, 'gpu-reduced': GPU_SHAPE_REDUCED, cpu: REFERENCE_SHAPE, tiny: TINY_SHAPE }[
    shapeName
  ]!;
  // a GPU step of the full shape is ~1,000× a CPU one; on a software adapter only a couple of steps
  const steps = Number(option('steps', gpuShape ? (software ? '2' : '20') : '30'));
  const profileSteps = backend === 'webgpu' ? 0 : Number(option('profile-steps', '2'));
  const config = resolveRunConfig(shape);
  const model = await createMoeModel(config, VOCAB);
  const random = seededRandom(7);
  const tokensPerStep = config.training.batchSize * config.model.seqLen;
  console.log(`tfjs ${tf.version.tfjs}, backend ${backend} (${choice.reason}), shape ${shapeName}`);
  const m = config.model;
  console.log(
    `${model.parameters.total.toLocaleString('en')} parameters: ${m.layers} layers, dModel ${m.dModel}, ${m.experts} experts top-${m.topK}, ` +
      `hidden ${m.expertHidden}; batch ${config.training.batchSize} × seq ${m.seqLen} = ${tokensPerStep} tokens a step`,
  );
  if (software)
    console.log('software adapter: the figures below say the path works, not how fast a GPU is (docs/speed.md)');

  // PyTorch runs just before and just after the tfjs measurement: on a shared machine the load
  // drifts, and the mean of the two brackets it
  const torch = { shape, device: gpuShape ? ('cuda' as const) : ('cpu' as const) };
  if (shapeName === 'tiny') process.argv.push('--no-torch');
  const torchBefore = runTorch(steps, 'before', torch);

  // warm-up: first steps compile kernels and grow the wasm heap
  for (let i = 0; i < 3; i++) await model.trainStep(randomBatch(random, config), 1e-3);

  let first = { tensors: 0, rss: 0, gpu: '' };
  let loss = 0;
  const counter = new WorkCounter();
  const started = performance.now();
  for (let step = 1; step <= steps; step++) {
    const result = await model.trainStep(randomBatch(random, config), 1e-3);
    loss = result.loss;
    if (step === 1) first = { tensors: tf.memory().numTensors, rss: process.memoryUsage().rss, gpu: gpuBytes() };
    if (step % 100 === 0) {
      console.log(
        `  step ${step}: loss ${loss.toFixed(4)}, tensors ${tf.memory().numTensors}, RSS ${mb(process.memoryUsage().rss)}${gpuBytes()}`,
      );
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const counts = counter.take();
  counter.dispose();
  const tfjsRate = (steps * tokensPerStep) / seconds;
  console.log(
    `\ntfjs ${backend}: ${steps} steps in ${seconds.toFixed(1)} s = ${((1000 * seconds) / steps).toFixed(0)} ms/step, ${tfjsRate.toFixed(0)} tokens/s (last loss ${loss.toFixed(4)})`,
  );
  const gflop = stepFlops(config) / 1e9;
  console.log(
    `matmul work: ${gflop.toFixed(2)} GFLOP a step → ${((gflop * steps) / seconds).toFixed(1)} GFLOP/s over the whole step`,
  );
  console.log(`a step: ${describeCounts(counts, steps, backend)}`);
  console.log(
    `tensors: step 1 ${first.tensors}, step ${steps} ${tf.memory().numTensors}; RSS: step 1 ${mb(first.rss)}, step ${steps} ${mb(process.memoryUsage().rss)}`,
  );
  if (backend === 'webgpu') console.log(`GPU memory: step 1${first.gpu}; step ${steps}${gpuBytes()}`);

  const torchAfter = torchBefore && runTorch(steps, 'after', torch);
  if (torchBefore && torchAfter) {
    const torchRate = (torchBefore + torchAfter) / 2;
    const where = torch.device === 'cuda' ? 'CUDA' : '1 thread';
    console.log(
      `\nPyTorch (${where}): ${torchBefore.toFixed(0)} tokens/s before, ${torchAfter.toFixed(0)} after, mean ${torchRate.toFixed(0)}`,
    );
    console.log(`ratio tfjs ${backend} / PyTorch: ${(tfjsRate / torchRate).toFixed(3)}×`);
  }

  await profile(model, config, random, profileSteps);
  model.dispose();
}

/** Where the time goes: forward alone vs the whole step, and the kernels by total time. */
async function profile(
  model: Awaited<ReturnType<typeof createMoeModel>>,
  config: RunConfig,
  random: () => number,
  steps: number,
) {
  if (steps <= 0) return;
  const batch = randomBatch(random, config);
  // forward only, through the model's own parameters (no tape)
  const internals = model as unknown as { params: Parameters<typeof forward>[0]; mask: tf.Tensor2D };
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) {
    tf.tidy(() => {
      const { inputs, batchSize, seqLen } = batch;
      forward(internals.params, {
        model: config.model,
        inputs,
        batchSize,
        seqLen,
        mask: internals.mask,
      }).logits.dataSync();
    });
  }
  const forwardMs = (performance.now() - t0) / steps;
  const byKernel = new Map<string, { ms: number; calls: number }>();
  let stepMs = 0;
  for (let i = 0; i < steps; i++) {
    const t1 = performance.now();
    const info = await tf.profile(() => model.trainStep(batch, 1e-3) as unknown as tf.TensorContainer);
    stepMs += performance.now() - t1;
    for (const k of info.kernels) {
      // custom ops appear as "forward" and again as the kernels inside them
      if (k.name === 'forward') continue;
      const entry = byKernel.get(k.name) ?? { ms: 0, calls: 0 };
      entry.ms += (await k.kernelTimeMs) as number;
      entry.calls++;
      byKernel.set(k.name, entry);
    }
  }
  stepMs /= steps;
  const rows = [...byKernel.entries()].sort((a, b) => b[1].ms - a[1].ms);
  const kernelMs = rows.reduce((s, [, v]) => s + v.ms, 0) / steps;
  const calls = rows.reduce((s, [, v]) => s + v.calls, 0) / steps;
  console.log(`\nwhere the time goes (${steps} profiled steps; profiling adds overhead):`);
  console.log(
    `  forward alone ${forwardMs.toFixed(0)} ms; whole step ${stepMs.toFixed(0)} ms → backward + AdamW ≈ ${(stepMs - forwardMs).toFixed(0)} ms`,
  );
  console.log(
    `  ${calls.toFixed(0)} kernel calls a step, ${kernelMs.toFixed(0)} ms inside kernels, ${(stepMs - kernelMs).toFixed(0)} ms outside (JS: routing, tape, dispatch)`,
  );
  const matmulMs =
    ['BatchMatMul', 'MoeLensBlockMatMul'].reduce((sum, name) => sum + (byKernel.get(name)?.ms ?? 0), 0) / steps;
  console.log(
    `  matmul kernels ${matmulMs.toFixed(0)} ms = ${(stepFlops(config) / 1e6 / matmulMs).toFixed(1)} GFLOP/s; everything else ${(stepMs - matmulMs).toFixed(0)} ms`,
  );
  console.log('  kernel            ms/step  calls/step');
  for (const [name, v] of rows.slice(0, 24)) {
    console.log(
      `  ${name.padEnd(18)}${(v.ms / steps).toFixed(1).padStart(7)}  ${(v.calls / steps).toFixed(0).padStart(9)}`,
    );
  }
}

/** Trains the same model in PyTorch (1 CPU thread, or CUDA); tokens/s, or undefined when torch (or CUDA) is missing. */
function runTorch(
  steps: number,
  label: string,
  { shape, device }: { shape: Shape; device: 'cpu' | 'cuda' },
): number | undefined {
  if (process.argv.includes('--no-torch')) return undefined;
  const python = '/usr/bin/python3';
  if (!existsSync(python) || spawnSync(python, ['-c', 'import torch'], { stdio: 'ignore' }).status !== 0) {
    console.log('\nPyTorch reference skipped: /usr/bin/python3 cannot import torch (apt-get install python3-torch)');
    return undefined;
  }
  if (
    device === 'cuda' &&
    spawnSync(python, ['-c', 'import torch, sys; sys.exit(0 if torch.cuda.is_available() else 1)']).status !== 0
  ) {
    if (label === 'before')
      console.log(
        '\nPyTorch reference skipped: torch has no CUDA device here (the GPU shape is compared on CUDA only)',
      );
    return undefined;
  }
  const script = [
    join(__dirname, '..', 'trainer', 'bench', 'reference_torch.py'),
    join(__dirname, 'reference_torch.py'),
  ].find(existsSync);
  if (!script) {
    console.log('\nPyTorch reference skipped: reference_torch.py not found');
    return undefined;
  }
  const json = JSON.stringify({ ...shape.model, ...shape.training, vocab: VOCAB, auxAlpha: shape.balancer.auxAlpha });
  const result = spawnSync(
    python,
    [script, '--steps', String(Math.min(steps, 200)), '--shape', json, '--device', device],
    {
      env: { ...process.env, OPENBLAS_NUM_THREADS: '1', OMP_NUM_THREADS: '1', MKL_NUM_THREADS: '1' },
      encoding: 'utf8',
    },
  );
  if (result.status !== 0) {
    console.log(`\nPyTorch reference failed:\n${result.stderr}`);
    return undefined;
  }
  process.stdout.write(result.stdout.trimEnd().replace(/^/gm, `  torch (${label}): `) + '\n');
  const match = /tokens_per_second=([\d.]+)/.exec(result.stdout);
  return match ? Number(match[1]) : undefined;
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
