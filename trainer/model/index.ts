/** Entry point of the model for the run loop: createMoeModel (api.ts CreateMoeModel). */
import type { CreateMoeModel } from './api';
import { TfMoeModel } from './moeModel';

export type { Batch, MoeModel, StepResult, EvalResult, AnalysisResult } from './api';

/** Builds the model on the current tfjs backend (the caller sets it first). */
export const createMoeModel: CreateMoeModel = async (config, vocabSize) => new TfMoeModel(config, vocabSize);
