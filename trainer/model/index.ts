/** Entry point of the model for the run loop: createMoeModel (api.ts CreateMoeModel). */
import * as tf from '@tensorflow/tfjs';
import type { CreateMoeModel } from './api';
import { installWasmKernels } from './wasmKernels';
import { TfMoeModel } from './moeModel';

export type { Batch, MoeModel, StepResult, EvalResult, AnalysisResult } from './api';

/** Builds the model on the current tfjs backend (the caller sets it first). */
export const createMoeModel: CreateMoeModel = async (config, vocabSize) => {
  if (tf.getBackend() === 'wasm') installWasmKernels();
  return new TfMoeModel(config, vocabSize);
};
