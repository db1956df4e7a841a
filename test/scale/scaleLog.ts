/**
 * A synthetic production-scale event log in the compact form (schema 2, docs/events.md): 64 MoE
 * layers × 512 experts, top-8, loss-free, every step logged, count matrices every `countsEvery` steps.
 * Seeded and deterministic. Counts are drawn only on count steps (32,768 a matrix); other steps get
 * summaries from each layer's imbalance trajectory, consistent with the counts' definitions (mean =
 * T·K/E, max = mean·(1 + MaxVio), …). Some layers collapse for a while (dead experts, high MaxVio),
 * so the layer × step heatmap has something to find.
 */
import { createWriteStream } from 'node:fs';
import { once } from 'node:events';
import type { EvalEvent, StartEvent, StepEvent, TrainerEvent } from '../../protocol/events';
import { carriesCounts, loadStatsOf, type LoadStats } from '../../protocol/loadStats';
import { resolveRunConfig } from '../../protocol/runConfig';
import { seededRandom } from '../../trainer/model/random';

export interface ScaleLogOptions {
  layers: number;
  experts: number;
  topK: number;
  steps: number;
  countsEvery: number;
  evalEvery: number;
  seed: number;
}

export const SCALE_SHAPE: ScaleLogOptions = {
  layers: 64,
  experts: 512,
  topK: 8,
  steps: 100_000,
  countsEvery: 100,
  evalEvery: 1000,
  seed: 7,
};

const TOKENS_PER_STEP = 32 * 1024;
const round = (v: number, digits = 4) => (v === 0 ? 0 : Number(v.toPrecision(digits)));
const mean = (values: readonly number[]) => values.reduce((a, b) => a + b, 0) / Math.max(1, values.length);

/** A layer's imbalance at a step: CV of its load, and the share of dead experts. */
function layerShape(layer: number, step: number, steps: number, random: () => number) {
  const settle = Math.exp(-step / (steps / 10));
  const collapse = layer % 16 === 5 && step > steps * 0.4 && step < steps * 0.55 ? 1 : 0;
  const cv = 0.08 + 0.6 * settle * (1 + (layer % 7) / 7) + collapse * 0.5 + (random() - 0.5) * 0.02;
  const dead = collapse ? 0.1 + 0.05 * random() : settle > 0.5 ? 0.02 * settle : 0;
  return { cv: Math.max(0.01, cv), dead };
}

/** Counts of one layer with about the given CV and dead share, summing to T·K. */
function drawCounts(experts: number, assignments: number, cv: number, dead: number, random: () => number): number[] {
  const sigma = Math.sqrt(Math.log(1 + cv * cv));
  const weights = Array.from({ length: experts }, () => {
    if (random() < dead) return 0;
    const u = 1 - random();
    const v = random();
    return Math.exp(sigma * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v));
  });
  const total = weights.reduce((a, b) => a + b, 0) || 1;
  return weights.map((w) => Math.round((w / total) * assignments));
}

/** Summaries without drawing counts: the same definitions, from the layer's shape. */
function summarise(experts: number, assignments: number, cv: number, dead: number, random: () => number): number[] {
  const m = assignments / experts;
  const maxVio = cv * (2.6 + 0.4 * random());
  return [
    dead > 0 ? 0 : Math.round(m * Math.max(0, 1 - 2.2 * cv)),
    Math.round(m * (1 + maxVio)),
    m,
    round(cv, 5),
    round(Math.round(dead * experts) / experts, 5),
  ];
}

export function* scaleEvents(o: ScaleLogOptions): Generator<TrainerEvent> {
  const random = seededRandom(o.seed);
  const t0 = Date.UTC(2026, 0, 1);
  const time = (step: number) => new Date(t0 + step * 900).toISOString();
  // An external trainer's config: resolved within MoE Lens's own trainer limits, then given the real shape.
  const small = resolveRunConfig({
    name: `scale-${o.layers}x${o.experts}`,
    model: { layers: 2, experts: 8, topK: 2, dModel: 64, heads: 2, seqLen: 64, expertHidden: 64 },
    training: { steps: o.steps, evalEvery: o.evalEvery, warmup: 30, batchSize: 8 },
    balancer: { methods: ['loss-free'] },
  });
  const config = { ...small, model: { ...small.model, layers: o.layers, experts: o.experts, topK: o.topK } };
  const assignments = TOKENS_PER_STEP * o.topK;
  const start: StartEvent = {
    v: 2,
    type: 'start',
    time: time(0),
    step: 0,
    runName: config.name,
    config,
    backend: { name: 'synthetic', reason: 'npm run bench:scale' },
    parameters: { total: 1e11, activePerToken: 3e9, experts: 9e10, routers: o.layers * o.experts * 64 },
    moeLayers: Array.from({ length: o.layers }, (_, l) => l + 1),
    tokenizer: { kind: 'bpe', vocabSize: 32000 },
    data: { sources: ['synthetic'], trainTokens: 1e12, validationTokens: 1e7 },
    versions: { trainer: 'bench:scale', tfjs: '-', node: process.version },
    pid: 0,
    countsEvery: o.countsEvery,
  };
  yield start;
  const bias = Array.from({ length: o.layers }, () => new Float64Array(o.experts));
  for (let step = 1; step <= o.steps; step++) {
    const shapes = Array.from({ length: o.layers }, (_, l) => layerShape(l, step, o.steps, random));
    const full = carriesCounts(step, o.countsEvery, o.steps);
    let stats: LoadStats;
    let counts: number[][] | undefined;
    let maxVio: number[];
    if (full) {
      counts = shapes.map((s) => drawCounts(o.experts, assignments, s.cv, s.dead, random));
      stats = loadStatsOf(counts);
      maxVio = counts.map((c) => Math.max(...c) / mean(c) - 1);
      counts.forEach((c, l) => c.forEach((ci, e) => (bias[l][e] += 0.001 * Math.sign(stats.mean[l] - ci))));
    } else {
      const rows = shapes.map((s) => summarise(o.experts, assignments, s.cv, s.dead, random));
      stats = {
        min: rows.map((r) => r[0]),
        max: rows.map((r) => r[1]),
        mean: rows.map((r) => r[2]),
        cv: rows.map((r) => r[3]),
        deadFraction: rows.map((r) => r[4]),
      };
      maxVio = stats.max.map((max, l) => round(max / stats.mean[l] - 1, 5));
    }
    const lmLoss = round(2 + 6 * Math.exp(-step / (o.steps / 8)) + (random() - 0.5) * 0.05, 6);
    const event: StepEvent = {
      v: 2,
      type: 'step',
      time: time(step),
      step,
      loss: lmLoss,
      lmLoss,
      terms: {},
      lr: 3e-4,
      gradNorm: round(0.5 + random(), 4),
      tokensPerSecond: 36000,
      loadStats: stats,
      maxVioBatch: maxVio,
      maxVioBatchMean: round(mean(maxVio), 5),
      ...(counts && { expertCounts: counts, bias: bias.map((row) => Array.from(row, (b) => round(b))) }),
    };
    yield event;
    if (step % o.evalEvery === 0 || step === o.steps)
      yield evalEvent(o, step, lmLoss + 0.05, shapes, random, time(step));
  }
  yield { v: 2, type: 'checkpoint', time: time(o.steps), step: o.steps, path: 'checkpoint' };
  yield {
    v: 2,
    type: 'end',
    time: time(o.steps),
    step: o.steps,
    status: 'completed',
    reason: `trained ${o.steps} steps`,
    durationSeconds: o.steps * 0.9,
  };
}

function evalEvent(
  o: ScaleLogOptions,
  step: number,
  valLoss: number,
  shapes: { cv: number; dead: number }[],
  random: () => number,
  time: string,
): EvalEvent {
  const load = shapes.map((s) => drawCounts(o.experts, 65536, s.cv, s.dead, random));
  const vio = load.map((c) => Math.max(...c) / mean(c) - 1);
  const pes = load.map(() => round(0.2 + random() * 0.3));
  const used = load.map((c) => c.filter((x) => x > 0).length);
  const tokens = 'The router sends each token to eight of five hundred and twelve experts.'
    .split(/(?=\s)/)
    .slice(0, 32);
  const picks = load.map(() =>
    tokens.map(() => Array.from({ length: o.topK }, () => Math.floor(random() * o.experts))),
  );
  return {
    v: 2,
    type: 'eval',
    time,
    step,
    valLoss,
    perplexity: round(Math.exp(valLoss), 6),
    expertLoad: load,
    maxVioGlobal: vio,
    maxVioGlobalMean: round(mean(vio), 5),
    expertsUsed: used,
    pes,
    pesMin: Math.min(...pes),
    gramDeviation: 0.01,
    gramDeviationPerLayer: load.map(() => 0.01),
    routerEntropy: load.map(() => 4.2),
    seu: load.map(() => 0.6),
    routingSample: {
      tokens,
      experts: picks,
      gates: picks.map((perToken) => perToken.map((k) => k.map((_, i) => round(1 / (i + 2), 3)))),
    },
  };
}

/** Writes the log as JSON Lines; returns its size in bytes. */
export async function writeScaleLog(file: string, options: ScaleLogOptions): Promise<number> {
  const out = createWriteStream(file);
  let bytes = 0;
  let chunk = '';
  for (const event of scaleEvents(options)) {
    chunk += JSON.stringify(event) + '\n';
    if (chunk.length > 1 << 20) {
      bytes += Buffer.byteLength(chunk);
      if (!out.write(chunk)) await once(out, 'drain');
      chunk = '';
    }
  }
  bytes += Buffer.byteLength(chunk);
  out.end(chunk);
  await once(out, 'finish');
  return bytes;
}
