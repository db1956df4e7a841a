/** The model's parameters: created in a fixed order from the seed, named for checkpoints. */
import * as tf from '@tensorflow/tfjs';
import type { RunConfig } from '../../protocol/runConfig';
import { normalArray, orthogonalMatrix, seededRandom } from './random';
import { Router, routerSettings } from './router';

export interface Param {
  /** stable name, used in checkpoints */
  name: string;
  variable: tf.Variable;
  /** AdamW weight decay applies to matrices only */
  decay: boolean;
  /** this parameter's own weight decay coefficient (the router's), instead of training.weightDecay */
  weightDecay?: number;
  role: 'expert' | 'router' | 'other';
}

export interface FfnParams {
  w1: tf.Variable<tf.Rank.R2>;
  w2: tf.Variable<tf.Rank.R2>;
}

export interface BlockParams {
  ln1Gain: tf.Variable<tf.Rank.R1>;
  ln1Bias: tf.Variable<tf.Rank.R1>;
  /** one projection for queries, keys and values: [dModel, 3·dModel] */
  wqkv: tf.Variable<tf.Rank.R2>;
  wo: tf.Variable<tf.Rank.R2>;
  ln2Gain: tf.Variable<tf.Rank.R1>;
  ln2Bias: tf.Variable<tf.Rank.R1>;
  /** MoE blocks: the router (weight [dModel, E], loss-free bias), E routed experts, shared experts as one FFN */
  router?: Router;
  experts?: FfnParams[];
  /** DeepSeekMoE shared experts: n FFNs of expertHidden summed = one FFN of n · expertHidden */
  shared?: FfnParams;
  dense?: FfnParams;
}

export interface ModelParams {
  tokenEmbedding: tf.Variable<tf.Rank.R2>;
  positionEmbedding: tf.Variable<tf.Rank.R2>;
  blocks: BlockParams[];
  finalGain: tf.Variable<tf.Rank.R1>;
  finalBias: tf.Variable<tf.Rank.R1>;
  output: tf.Variable<tf.Rank.R2>;
  list: Param[];
}

const INIT_STD = 0.02;

/** Block i has an MoE feed-forward layer when (i + 1) % moeEvery === 0. */
export function moeBlockIndices(layers: number, moeEvery: number): number[] {
  return Array.from({ length: layers }, (_, i) => i).filter((i) => (i + 1) % moeEvery === 0);
}

/** Width of a dense block's FFN: topK · expertHidden, the active width of an MoE layer. */
export const denseHidden = (config: RunConfig) => config.model.topK * config.model.expertHidden;

export function createParams(config: RunConfig, vocabSize: number): ModelParams {
  const { layers, dModel, experts, expertHidden, seqLen, sharedExperts } = config.model;
  const random = seededRandom(config.training.seed);
  const list: Param[] = [];
  // GPT-2: residual output projections scaled by 1/sqrt(2·layers)
  const residualStd = INIT_STD / Math.sqrt(2 * layers);
  const matrix = (name: string, rows: number, cols: number, std: number, role: Param['role'] = 'other') => {
    const variable = tf.variable(tf.tensor2d(normalArray(random, rows * cols, std), [rows, cols]));
    list.push({ name, variable, decay: true, role });
    return variable;
  };
  const vector = (name: string, size: number, value: number) => {
    const variable = tf.variable(tf.fill([size], value) as tf.Tensor1D);
    list.push({ name, variable, decay: false, role: 'other' });
    return variable;
  };
  const ffn = (prefix: string, hidden: number, role: Param['role']): FfnParams => ({
    w1: matrix(`${prefix}.w1`, dModel, hidden, INIT_STD, role),
    w2: matrix(`${prefix}.w2`, hidden, dModel, residualStd, role),
  });
  const moeBlocks = new Set(moeBlockIndices(layers, config.model.moeEvery));

  const tokenEmbedding = matrix('tokenEmbedding', vocabSize, dModel, INIT_STD);
  const positionEmbedding = matrix('positionEmbedding', seqLen, dModel, INIT_STD);
  const blocks: BlockParams[] = [];
  for (let i = 0; i < layers; i++) {
    const p = `block${i}`;
    const block: BlockParams = {
      ln1Gain: vector(`${p}.ln1.gain`, dModel, 1),
      ln1Bias: vector(`${p}.ln1.bias`, dModel, 0),
      wqkv: matrix(`${p}.attention.wqkv`, dModel, 3 * dModel, INIT_STD),
      wo: matrix(`${p}.attention.wo`, dModel, dModel, residualStd),
      ln2Gain: vector(`${p}.ln2.gain`, dModel, 1),
      ln2Bias: vector(`${p}.ln2.bias`, dModel, 0),
    };
    if (moeBlocks.has(i)) {
      const { init, initStd, weightDecay } = config.router;
      const values =
        init === 'orthogonal'
          ? orthogonalMatrix(random, dModel, experts)
          : normalArray(random, dModel * experts, initStd);
      const weight = tf.variable(tf.tensor2d(values, [dModel, experts]));
      list.push({ name: `${p}.router`, variable: weight, decay: true, weightDecay, role: 'router' });
      block.router = new Router(weight, routerSettings(config));
      block.experts = Array.from({ length: experts }, (_, e) => ffn(`${p}.expert${e}`, expertHidden, 'expert'));
      if (sharedExperts > 0) block.shared = ffn(`${p}.shared`, sharedExperts * expertHidden, 'other');
    } else {
      block.dense = ffn(`${p}.ffn`, denseHidden(config), 'other');
    }
    blocks.push(block);
  }
  const finalGain = vector('final.gain', dModel, 1);
  const finalBias = vector('final.bias', dModel, 0);
  const output = matrix('output', dModel, vocabSize, INIT_STD);
  return { tokenEmbedding, positionEmbedding, blocks, finalGain, finalBias, output, list };
}

/** Parameter counts for the start event. */
export function countParameters(params: ModelParams, config: RunConfig) {
  const size = (role: Param['role']) =>
    params.list.filter((p) => p.role === role).reduce((n, p) => n + p.variable.size, 0);
  const experts = size('expert');
  const routers = size('router');
  const other = size('other');
  const moeLayers = params.blocks.filter((b) => b.experts).length;
  const perExpert = moeLayers ? experts / (moeLayers * config.model.experts) : 0;
  return {
    total: experts + routers + other,
    activePerToken: other + routers + moeLayers * config.model.topK * perExpert,
    experts,
    routers,
  };
}
