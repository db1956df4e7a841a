/**
 * The run's data: text sources → train/validation split → tokenizer → token arrays, encoded once.
 * Training batches are random windows drawn with a seeded Rng (its state is the data position);
 * the eval sample and the routing snippet are fixed windows of the validation split.
 */
import { createHash } from 'node:crypto';
import type { RunConfig } from '../../protocol/runConfig';
import type { Batch } from '../model/api';
import { loadBuiltInCorpus, loadUserFiles, type TextSource } from './corpus';
import { Rng } from './rng';
import { splitText } from './split';
import type { Tokenizer } from './tokenizer';
import { buildTokenizer } from './tokenizerCache';

export const SNIPPET_TOKENS = 48;

export interface Dataset {
  tokenizer: Tokenizer;
  tokenizerCache: 'hit' | 'miss' | 'none';
  sources: string[];
  train: Int32Array;
  validation: Int32Array;
  /** hash of both token arrays: a resumed run must see the same data */
  hash: string;
}

export class DataError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(message);
    this.name = 'DataError';
  }
}

/** `files` are absolute paths (already expanded); empty = the built-in corpus. */
export function prepareDataset(config: RunConfig, files: readonly string[]): Dataset {
  const { data, model } = config;
  const sources: TextSource[] = files.length > 0 ? loadUserFiles(files) : loadBuiltInCorpus(data.includeBible);
  const parts = sources.map((source) => splitText(source.text, data.validationFraction));
  const trainText = parts.map((p) => p.train).join('\n\n');
  const validationText = parts.map((p) => p.validation).join('\n\n');
  const built = buildTokenizer(data.tokenizer, data.vocabSize, trainText);
  const train = built.tokenizer.encode(trainText);
  const validation = built.tokenizer.encode(validationText);
  const needed = model.seqLen + 1;
  if (train.length < needed) {
    throw new DataError(
      '$.data.files',
      `the training split has ${train.length} tokens; model.seqLen ${model.seqLen} needs at least ${needed}`,
    );
  }
  if (validation.length < needed) {
    throw new DataError(
      '$.data.validationFraction',
      `the validation split has ${validation.length} tokens; model.seqLen ${model.seqLen} needs at least ${needed} (more text or a larger validationFraction)`,
    );
  }
  const hash = createHash('sha256')
    .update(`${built.tokenizer.kind}:${built.tokenizer.vocabSize}\0`)
    .update(new Uint8Array(train.buffer, train.byteOffset, train.byteLength))
    .update(new Uint8Array(validation.buffer, validation.byteOffset, validation.byteLength))
    .digest('hex')
    .slice(0, 16);
  return {
    tokenizer: built.tokenizer,
    tokenizerCache: built.cache,
    sources: sources.map((s) => s.name),
    train,
    validation,
    hash,
  };
}

/** Windows of seqLen + 1 tokens starting at `starts`: inputs are the first seqLen, targets the last seqLen. */
export function windowsBatch(tokens: Int32Array, starts: readonly number[], seqLen: number): Batch {
  const inputs = new Int32Array(starts.length * seqLen);
  const targets = new Int32Array(starts.length * seqLen);
  starts.forEach((start, row) => {
    inputs.set(tokens.subarray(start, start + seqLen), row * seqLen);
    targets.set(tokens.subarray(start + 1, start + seqLen + 1), row * seqLen);
  });
  return { inputs, targets, batchSize: starts.length, seqLen };
}

/** Random training windows; the Rng state is the whole data position. */
export class BatchSampler {
  constructor(
    private readonly tokens: Int32Array,
    private readonly batchSize: number,
    private readonly seqLen: number,
    readonly rng: Rng,
  ) {}

  next(): Batch {
    const span = this.tokens.length - this.seqLen; // number of valid window starts
    const starts = Array.from({ length: this.batchSize }, () => this.rng.int(span));
    return windowsBatch(this.tokens, starts, this.seqLen);
  }
}

/** `count` windows evenly spaced over the validation split (they overlap when it is short). */
export function evalSample(validation: Int32Array, count: number, seqLen: number): Batch {
  const span = validation.length - seqLen - 1;
  const starts = Array.from({ length: count }, (_, i) => (count === 1 ? 0 : Math.round((i * span) / (count - 1))));
  return windowsBatch(validation, starts, seqLen);
}

/** The fixed routing snippet: the first tokens of the first validation window. */
export function routingSnippet(validation: Int32Array, seqLen: number): Int32Array {
  return validation.slice(0, Math.min(SNIPPET_TOKENS, seqLen));
}
