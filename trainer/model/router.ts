/**
 * The router of one MoE layer, as Megatron-LM's TopKRouter (megatron/core/transformer/moe/router.py):
 * scores (softmax or sigmoid of x·R) → top-K selection (with the loss-free bias) → gates → load
 * counts, the balancer terms of this layer, and the loss-free bias with its update as its own state.
 *
 * The selection needs the scores' values on the CPU, so the steps are separate methods: `score`
 * (tensors) → `plan` (from the scores' values, no tensors) → `output` (probabilities and gates).
 * `route` chains them, reading the scores synchronously (wasm, cpu). A backend that can only read
 * asynchronously (webgpu) makes the plans on a tape-free pre-pass (`planRoutes` in transformer.ts:
 * `await scores.data()`, then `plan`) and hands them to the gradient pass (`ForwardOptions.plans`).
 */
import * as tf from '@tensorflow/tfjs';
import type { BalancerTerms } from '../../protocol/events';
import { gatesNormalised, type RunConfig } from '../../protocol/runConfig';
import { auxLoss, loadFractions, sequenceAuxLoss, simbalLoss, updateBias, zLoss } from '../training/balancers';
import { mm } from './ops';
import { planRouting, type RoutingPlan } from './routing';

type T2 = tf.Tensor2D;

export interface RouterSettings {
  experts: number;
  topK: number;
  scoreFunction: RunConfig['model']['gate'];
  /** gates = picked scores divided by their sum over the token's K picks (else the raw scores) */
  normaliseGates: boolean;
  balancer: RunConfig['balancer'];
}

/** The router's settings from a run config. */
export function routerSettings(config: RunConfig): RouterSettings {
  const { experts, topK, gate } = config.model;
  return { experts, topK, scoreFunction: gate, normaliseGates: gatesNormalised(config), balancer: config.balancer };
}

export interface RouterScores {
  /** x·R, [T, E] */
  logits: T2;
  /** softmax or sigmoid of the logits, [T, E] */
  scores: T2;
}

export interface RouterOutput extends RouterScores {
  /** scores as a distribution per token (softmax as is, sigmoid divided by its sum): the aux losses' P */
  probs: T2;
  plan: RoutingPlan;
  /** [T, E]: the gate of each picked expert, 0 elsewhere */
  gates: T2;
}

/**
 * The one definition of the gates [T, E]: the scores of the picked experts (`selected`, [T·E] 0/1),
 * divided by their sum over each token's picks when `normalise` is set, 0 elsewhere.
 */
export function gateWeights(scores: T2, selected: Float32Array, normalise: boolean): T2 {
  const picked = tf.mul(scores, tf.tensor2d(selected, scores.shape)) as T2;
  return normalise ? (tf.div(picked, tf.sum(picked, 1, true)) as T2) : picked;
}

/** What a checkpoint keeps of a router besides its weight. */
export interface RouterState {
  bias: number[];
  /** global-aux-loss: the counts of the previous globalWindow − 1 steps, oldest first */
  countWindow: number[][];
}

export class Router {
  /** loss-free: b_i, added to the scores for selection only; stays 0 unless loss-free is on */
  readonly bias: Float32Array;
  /** global-aux-loss: counts of the previous steps (at most globalWindow − 1), oldest first */
  private countWindow: number[][] = [];

  constructor(
    /** R, [dModel, E] */
    readonly weight: tf.Variable<tf.Rank.R2>,
    readonly settings: RouterSettings,
  ) {
    this.bias = new Float32Array(settings.experts);
  }

  get usesBias(): boolean {
    return this.settings.balancer.methods.includes('loss-free');
  }

  score(x: T2): RouterScores {
    const logits = mm(x, this.weight);
    return { logits, scores: this.settings.scoreFunction === 'softmax' ? tf.softmax(logits) : tf.sigmoid(logits) };
  }

  /** Top-K selection from the scores' values [T·E] (with the loss-free bias); no tensors. */
  plan(scores: Float32Array, dropTop = 0): RoutingPlan {
    const { experts, topK } = this.settings;
    return planRouting(scores, scores.length / experts, experts, topK, {
      bias: this.usesBias ? this.bias : undefined,
      dropTop,
    });
  }

  gates(scores: T2, plan: RoutingPlan): T2 {
    return gateWeights(scores, plan.selected, this.settings.normaliseGates);
  }

  /** Probabilities and gates from the scores and the plan made from them. */
  output({ logits, scores }: RouterScores, plan: RoutingPlan): RouterOutput {
    const probs = this.settings.scoreFunction === 'softmax' ? scores : (tf.div(scores, tf.sum(scores, 1, true)) as T2);
    return { logits, scores, probs, plan, gates: this.gates(scores, plan) };
  }

  /** Scores → selection (reading the scores synchronously) → gates, for the layer input x [T, dModel]. */
  route(x: T2, dropTop = 0): RouterOutput {
    const scored = this.score(x);
    return this.output(scored, this.plan(scored.scores.dataSync() as Float32Array, dropTop));
  }

  /**
   * This layer's active balancer terms (differentiable scalars) for a training batch of sequences of
   * seqLen tokens.
   */
  lossTerms(output: RouterOutput, seqLen: number): Partial<Record<keyof BalancerTerms, tf.Scalar>> {
    const { methods, auxAlpha, seqAuxAlpha, simbalLambda, zLossBeta } = this.settings.balancer;
    const { counts, selected } = output.plan;
    const terms: Partial<Record<keyof BalancerTerms, tf.Scalar>> = {};
    if (methods.includes('aux-loss')) terms.auxLoss = auxLoss(output.probs, loadFractions(counts), auxAlpha);
    if (methods.includes('global-aux-loss'))
      terms.globalAuxLoss = auxLoss(output.probs, loadFractions(this.windowCounts(counts)), auxAlpha);
    if (methods.includes('seq-aux-loss'))
      terms.seqAuxLoss = sequenceAuxLoss(output.probs, selected, seqLen, this.settings.topK, seqAuxAlpha);
    if (methods.includes('simbal')) terms.simbal = simbalLoss(this.weight, simbalLambda);
    if (zLossBeta > 0) terms.zLoss = zLoss(output.logits, zLossBeta);
    return terms;
  }

  /** global-aux-loss: this batch's counts plus those of the previous steps in the window. */
  private windowCounts(counts: number[]): number[] {
    return counts.map((c, i) => this.countWindow.reduce((sum, previous) => sum + previous[i], c));
  }

  /**
   * After the optimiser step, with the step's load counts: the loss-free bias update, and the
   * global-aux-loss window moves on. No-op for what is off.
   */
  afterStep(counts: number[]): void {
    const { methods, biasUpdateRate, biasUpdate, globalWindow } = this.settings.balancer;
    if (this.usesBias) this.bias.set(updateBias(this.bias, counts, biasUpdateRate, biasUpdate === 'mean-centred'));
    if (methods.includes('global-aux-loss') && globalWindow > 1) {
      this.countWindow = [...this.countWindow, [...counts]].slice(-(globalWindow - 1));
    }
  }

  state(): RouterState {
    return { bias: Array.from(this.bias), countWindow: this.countWindow.map((c) => [...c]) };
  }

  /** Restores what state() returned; throws naming what does not fit this router. */
  restore(state: RouterState): void {
    const { experts } = this.settings;
    if (state.bias.length !== experts || state.countWindow.some((c) => c.length !== experts)) {
      throw new Error(`router state of ${state.bias.length} experts does not fit a router of ${experts}`);
    }
    this.bias.set(state.bias);
    this.countWindow = state.countWindow.map((c) => [...c]);
  }
}
