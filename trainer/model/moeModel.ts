/** The MoeModel of api.ts on TensorFlow.js: training step, evaluation metrics, analysis, checkpoints. */
import * as tf from '@tensorflow/tfjs';
import type { BalancerTerms } from '../../protocol/events';
import { maxVio } from '../../protocol/maxVio';
import type { RunConfig } from '../../protocol/runConfig';
import { AdamW, ADAMW_DEFAULTS, normOfSquareSums } from '../training/adamw';
import { GpuBufferPoolTrimmer } from '../webgpu';
import {
  expertsUsed,
  gramDeviation,
  normaliseScores,
  pairwiseExpertSimilarity,
  routerEntropy,
  sequenceExpertUtilisation,
  uniformMaxVio,
} from '../training/metrics';
import type { AnalysisResult, Batch, EvalResult, MoeModel, StepResult } from './api';
import { causalMask } from './attention';
import { loadModelState, saveModelState } from './checkpoint';
import { ffn } from './moe';
import { crossEntropy, gatherRows } from './ops';
import { countParameters, createParams, moeBlockIndices, type FfnParams, type ModelParams } from './params';
import type { Router } from './router';
import { tokenRoutes, type RoutingPlan } from './routing';
import { forward, forwardAsync, planRoutes, type ForwardOptions, type MoeTrace } from './transformer';

/** A forward pass's routing settings: precomputed plans (webgpu), drop-top-experts, Dynamic-K. */
type AnalysisRouting = Pick<ForwardOptions, 'dropTop' | 'gateThreshold' | 'plans'>;

/** Tokens of the eval sample on which every expert runs for PES. */
export const PES_TOKENS = 64;
export const DYNAMIC_K_THRESHOLDS = [0, 0.1, 0.15, 0.2];
const MAX_DROPPED = 4;
/** The final analysis (5 drop-top passes, 12 Dynamic-K passes) runs on this many tokens of the sample. */
export const ANALYSIS_TOKENS = 8192;
/** timed passes per Dynamic-K threshold, after one untimed warm-up pass */
const TIMING_PASSES = 2;

/** Runs f in a tensor scope that may span awaits (tf.tidy cannot): every tensor made inside is disposed. */
async function scoped<T>(f: () => Promise<T>): Promise<T> {
  tf.engine().startScope();
  try {
    return await f();
  } finally {
    tf.engine().endScope();
  }
}

function sliceBatch(batch: Batch, start: number, count: number): Batch {
  const from = start * batch.seqLen;
  const to = (start + count) * batch.seqLen;
  return {
    inputs: batch.inputs.subarray(from, to),
    targets: batch.targets.subarray(from, to),
    batchSize: count,
    seqLen: batch.seqLen,
  };
}

export class TfMoeModel implements MoeModel {
  readonly moeLayers: number[];
  readonly parameters: MoeModel['parameters'];
  private readonly params: ModelParams;
  private readonly optimizer: AdamW;
  /** one per MoE layer */
  private readonly routers: Router[];
  private readonly mask: tf.Tensor2D;
  /** webgpu in Node reads only asynchronously: a training step plans its routing first (planRoutes) */
  private readonly planAhead = tf.getBackend() === 'webgpu';
  /** webgpu: frees pooled GPU buffers of sizes recent passes no longer use (the dispatch's shapes vary) */
  private readonly bufferPool = new GpuBufferPoolTrimmer();

  constructor(
    private readonly config: RunConfig,
    vocabSize: number,
  ) {
    this.params = createParams(config, vocabSize);
    this.moeLayers = moeBlockIndices(config.model.layers, config.model.moeEvery);
    this.parameters = countParameters(this.params, config);
    this.optimizer = new AdamW(this.params.list, {
      ...ADAMW_DEFAULTS,
      weightDecay: config.training.weightDecay,
      gradClip: config.training.gradClip,
    });
    this.routers = this.params.blocks.flatMap((b) => (b.router ? [b.router] : []));
    this.mask = tf.keep(causalMask(config.model.seqLen));
  }

  private forwardOptions(batch: Batch, analysis: AnalysisRouting = {}): ForwardOptions {
    if (batch.seqLen > this.config.model.seqLen || batch.inputs.length !== batch.batchSize * batch.seqLen) {
      throw new Error(
        `batch of ${batch.inputs.length} tokens as ${batch.batchSize} × ${batch.seqLen}: expected batchSize × seqLen tokens with seqLen ≤ model.seqLen (${this.config.model.seqLen})`,
      );
    }
    const { inputs, batchSize, seqLen } = batch;
    return { model: this.config.model, inputs, batchSize, seqLen, mask: this.mask, ...analysis };
  }

  /** The active balancer terms, each summed over MoE layers. */
  private balancerTerms(moe: MoeTrace[], seqLen: number): Partial<Record<keyof BalancerTerms, tf.Scalar>> {
    const perLayer = moe.map((t, l) => this.routers[l].lossTerms(t, seqLen));
    const names = Object.keys(perLayer[0] ?? {}) as (keyof BalancerTerms)[];
    return Object.fromEntries(names.map((n) => [n, tf.addN(perLayer.map((terms) => terms[n]!)) as tf.Scalar]));
  }

  async trainStep(batch: Batch, lr: number): Promise<StepResult> {
    const variables = this.params.list.map((p) => p.variable);
    const plans: RoutingPlan[] | undefined = this.planAhead
      ? await planRoutes(this.params, this.forwardOptions(batch))
      : undefined;
    let counts: number[][] = [];
    let names: (keyof BalancerTerms)[] = [];
    let losses: tf.Tensor1D | undefined;
    const { value, grads } = tf.variableGrads(() => {
      const { logits, moe } = forward(this.params, this.forwardOptions(batch, { plans }));
      const lmLoss = crossEntropy(logits, batch.targets);
      const terms = this.balancerTerms(moe, batch.seqLen);
      names = Object.keys(terms) as (keyof BalancerTerms)[];
      const termTensors = names.map((n) => terms[n] as tf.Scalar);
      const loss = termTensors.length ? (tf.addN([lmLoss, ...termTensors]) as tf.Scalar) : lmLoss;
      losses = tf.keep(tf.stack([loss, lmLoss, ...termTensors]) as tf.Tensor1D);
      counts = moe.map((t) => t.plan.counts);
      return loss;
    }, variables);
    const { flat, squareSums } = this.optimizer.gradients(variables.map((v) => grads[v.name]));
    // the step's one read, before the update: losses, balancer terms and the gradient's partial square sums
    const readout = tf.tidy(() => tf.concat([losses!, squareSums]));
    const read = await readout.data();
    tf.dispose([value, grads, losses!, squareSums, readout]);
    const gradNorm = normOfSquareSums(read.subarray(2 + names.length));
    try {
      this.optimizer.update(flat, gradNorm, lr);
    } finally {
      flat.dispose();
    }
    counts.forEach((c, l) => this.routers[l].afterStep(c));
    this.bufferPool.endStep();
    const lossFree = this.config.balancer.methods.includes('loss-free');
    return {
      loss: read[0],
      lmLoss: read[1],
      terms: Object.fromEntries(names.map((n, i) => [n, read[2 + i]])),
      gradNorm,
      expertCounts: counts,
      maxVioBatch: counts.map(maxVio),
      ...(lossFree && { bias: this.routers.map((r) => Array.from(r.bias)) }),
    };
  }

  /** Mean LM loss over a sample, chunk by chunk, and the expert rows dispatched. */
  private async sampleLoss(
    sample: Batch,
    analysis?: AnalysisRouting,
    onChunk?: (moe: MoeTrace[], chunk: Batch, index: number) => Promise<void>,
  ) {
    const chunkSize = this.config.training.batchSize;
    let lossSum = 0;
    let rows = 0;
    for (let start = 0, index = 0; start < sample.batchSize; start += chunkSize, index++) {
      const chunk = sliceBatch(sample, start, Math.min(chunkSize, sample.batchSize - start));
      // awaited reads on every backend: one code path, and webgpu has no other
      await scoped(async () => {
        const { logits, moe } = await forwardAsync(this.params, this.forwardOptions(chunk, analysis));
        lossSum += (await crossEntropy(logits, chunk.targets).data())[0] * chunk.inputs.length;
        for (const t of moe) rows += t.plan.rowToken.length;
        await onChunk?.(moe, chunk, index);
      });
      this.bufferPool.endStep();
    }
    const tokens = sample.batchSize * sample.seqLen;
    return { loss: lossSum / tokens, rows, tokens };
  }

  async evaluate(sample: Batch, snippet: Int32Array): Promise<EvalResult> {
    const { experts } = this.config.model;
    const layers = this.moeLayers.length;
    const load = this.moeLayers.map(() => new Array<number>(experts).fill(0));
    const entropySum = new Array<number>(layers).fill(0);
    const seuSum = new Array<number>(layers).fill(0);
    const pes = new Array<number>(layers).fill(0);
    const moeExperts = this.params.blocks.flatMap((b) => (b.experts ? [b.experts] : []));
    const { loss, tokens } = await this.sampleLoss(sample, undefined, async (moe, chunk, index) => {
      for (const [l, t] of moe.entries()) {
        t.plan.counts.forEach((c, e) => (load[l][e] += c));
        const chunkTokens = chunk.inputs.length;
        entropySum[l] += routerEntropy(normaliseScores(t.plan.scores, experts), experts) * chunkTokens;
        seuSum[l] +=
          sequenceExpertUtilisation(t.plan.selected, chunk.batchSize, chunk.seqLen, experts) * chunk.batchSize;
        if (index === 0) pes[l] = await this.pes(t.input, moeExperts[l]);
      }
    });
    const gramPerLayer: number[] = [];
    for (const { weight: r } of this.routers)
      gramPerLayer.push(gramDeviation((await r.data()) as Float32Array, r.shape[0], r.shape[1]));
    return {
      valLoss: loss,
      perplexity: Math.exp(loss),
      expertLoad: load,
      evalTokens: tokens,
      maxVioGlobal: load.map(maxVio),
      maxVioNoiseFloor: uniformMaxVio(tokens, experts, this.config.model.topK),
      expertsUsed: load.map(expertsUsed),
      pes,
      gramDeviation: gramPerLayer.reduce((a, b) => a + b, 0) / layers,
      gramDeviationPerLayer: gramPerLayer,
      routerEntropy: entropySum.map((s) => s / tokens),
      seu: seuSum.map((s) => s / sample.batchSize),
      routingSample: await this.routeSnippet(snippet),
    };
  }

  /** PES of one MoE layer: every expert on PES_TOKENS evenly spaced tokens of its input. */
  private async pes(input: tf.Tensor2D, experts: FfnParams[]): Promise<number> {
    const [tokens, dModel] = input.shape;
    const count = Math.min(PES_TOKENS, tokens);
    const stride = Math.floor(tokens / count);
    const picked = Int32Array.from({ length: count }, (_, i) => i * stride);
    const x = gatherRows(input, picked);
    // one read for all experts' outputs
    const all = (await tf
      .concat(
        experts.map((e) => ffn(x, e)),
        0,
      )
      .data()) as Float32Array;
    const size = count * dModel;
    const outputs = experts.map((_, i) => all.subarray(i * size, (i + 1) * size));
    return pairwiseExpertSimilarity(outputs, count, dModel);
  }

  private async routeSnippet(snippet: Int32Array): Promise<EvalResult['routingSample']> {
    const ids = snippet.subarray(0, this.config.model.seqLen);
    const experts: number[][][] = [];
    const gates: number[][][] = [];
    if (ids.length === 0) return { experts, gates };
    await scoped(async () => {
      const { moe } = await forwardAsync(
        this.params,
        this.forwardOptions({ inputs: ids, targets: ids, batchSize: 1, seqLen: ids.length }),
      );
      for (const t of moe) {
        const routes = tokenRoutes(t.plan, await t.gates.data());
        experts.push(routes.experts);
        gates.push(routes.gates);
      }
    });
    return { experts, gates };
  }

  async analyse(fullSample: Batch): Promise<AnalysisResult> {
    const { experts, topK } = this.config.model;
    const sample = sliceBatch(
      fullSample,
      0,
      Math.min(fullSample.batchSize, Math.ceil(ANALYSIS_TOKENS / fullSample.seqLen)),
    );
    const dropTopExperts = [];
    for (let dropped = 0; dropped <= Math.min(experts - topK, MAX_DROPPED); dropped++) {
      dropTopExperts.push({ dropped, loss: (await this.sampleLoss(sample, { dropTop: dropped })).loss });
    }
    const dynamicK = [];
    for (const threshold of DYNAMIC_K_THRESHOLDS) {
      // the fastest of a few passes: one pass on a shared machine is mostly noise
      let ms = Infinity;
      let pass = await this.sampleLoss(sample, { gateThreshold: threshold });
      for (let i = 0; i < TIMING_PASSES; i++) {
        const started = performance.now();
        pass = await this.sampleLoss(sample, { gateThreshold: threshold });
        ms = Math.min(ms, performance.now() - started);
      }
      const { loss, rows, tokens } = pass;
      dynamicK.push({
        threshold,
        perplexity: Math.exp(loss),
        msPerToken: ms / tokens,
        meanExpertsPerToken: rows / (tokens * this.moeLayers.length),
      });
    }
    return { dropTopExperts, dynamicK };
  }

  async save(dir: string): Promise<void> {
    await saveModelState(dir, this.params.list, this.optimizer, this.routers);
  }

  async load(dir: string): Promise<void> {
    await loadModelState(dir, this.params.list, this.optimizer, this.routers);
  }

  dispose(): void {
    for (const p of this.params.list) p.variable.dispose();
    this.optimizer.dispose();
    this.mask.dispose();
  }
}
