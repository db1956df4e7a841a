/**
 * The contract between the model (trainer/model, trainer/training) and the run loop
 * (trainer/run): the run loop owns data, schedule, events, signals and checkpoint bookkeeping;
 * the model owns tensors, balancers and metrics.
 */
import type { AnalysisEvent, BalancerTerms, EvalEvent, StartEvent } from '../../protocol/events';
import type { RunConfig } from '../../protocol/runConfig';

/** Token ids, row-major [batchSize, seqLen]; targets are inputs shifted by one. */
export interface Batch {
  inputs: Int32Array;
  targets: Int32Array;
  batchSize: number;
  seqLen: number;
}

export interface StepResult {
  /** lmLoss + every balancer term */
  loss: number;
  lmLoss: number;
  terms: BalancerTerms;
  /** global gradient norm before clipping */
  gradNorm: number;
  /** c[i] per MoE layer for this batch */
  expertCounts: number[][];
  maxVioBatch: number[];
  /** loss-free only: biases after this step's update */
  bias?: number[][];
}

/** Everything of an eval event but what the run loop adds (v, time, type, step, decoded tokens). */
export type EvalResult = Omit<
  EvalEvent,
  'v' | 'time' | 'type' | 'step' | 'routingSample' | 'maxVioGlobalMean' | 'pesMin'
> & {
  routingSample: { experts: number[][][]; gates: number[][][] };
};

export type AnalysisResult = Pick<AnalysisEvent, 'dropTopExperts' | 'dynamicK'>;

export interface MoeModel {
  /** block index of each MoE layer */
  readonly moeLayers: number[];
  readonly parameters: StartEvent['parameters'];
  /** One optimiser step (AdamW, grad clip) at learning rate lr, then the loss-free bias update. */
  trainStep(batch: Batch, lr: number): Promise<StepResult>;
  /** Metrics on the fixed validation sample; routing of `snippet` (one sequence of token ids). */
  evaluate(sample: Batch, snippet: Int32Array): Promise<EvalResult>;
  /** Drop-top-experts curve and Dynamic-K table on the validation sample. */
  analyse(sample: Batch): Promise<AnalysisResult>;
  /** Writes weights, optimiser state and biases into `dir` (created by the caller). */
  save(dir: string): Promise<void>;
  /** Restores what save() wrote; the model must have been created with the same config. */
  load(dir: string): Promise<void>;
  dispose(): void;
}

export type CreateMoeModel = (config: RunConfig, vocabSize: number) => Promise<MoeModel>;
