/** The run config "New Run Config" writes: small enough to train in a few minutes on a CPU. */
import type { RunConfigInput } from '../../protocol/runConfig';

export function runConfigTemplate(name: string): RunConfigInput {
  return {
    name,
    backend: 'auto',
    model: { layers: 2, dModel: 64, heads: 4, seqLen: 64, experts: 8, topK: 2, expertHidden: 128, gate: 'softmax' },
    training: { steps: 200, batchSize: 8, lr: 3e-3, warmup: 20, evalEvery: 25, evalTokens: 8192, checkpointEvery: 100 },
    data: { files: [], tokenizer: 'char' },
    balancer: { methods: ['aux-loss'], auxAlpha: 0.01 },
  };
}

export function runConfigTemplateText(name: string): string {
  return JSON.stringify(runConfigTemplate(name), null, 2) + '\n';
}
