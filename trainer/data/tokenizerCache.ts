/**
 * Builds the run's tokenizer. BPE merges are cached in
 * `$MOE_LENS_CACHE/tokenizers/<hash>.json` (default `~/.cache/moe-lens`), keyed by a hash of the
 * training text and the settings, so a second run on the same data does not train again.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { BpeTokenizer, type BpeJson } from './bpe';
import { CharTokenizer } from './char';
import type { Tokenizer } from './tokenizer';

export function cacheRoot(): string {
  return process.env.MOE_LENS_CACHE || join(homedir(), '.cache', 'moe-lens');
}

export interface BuiltTokenizer {
  tokenizer: Tokenizer;
  /** 'hit' when BPE merges came from the cache */
  cache: 'hit' | 'miss' | 'none';
  cacheFile?: string;
}

export function bpeCacheFile(trainText: string, vocabSize: number): string {
  const hash = createHash('sha256').update(`bpe-v1\0${vocabSize}\0`).update(trainText).digest('hex').slice(0, 32);
  return join(cacheRoot(), 'tokenizers', `${hash}.json`);
}

function readCachedBpe(file: string): BpeTokenizer | undefined {
  try {
    const json = JSON.parse(readFileSync(file, 'utf8')) as BpeJson;
    return json.kind === 'bpe' && json.version === 1 && Array.isArray(json.merges)
      ? BpeTokenizer.fromJson(json)
      : undefined;
  } catch {
    return undefined; // absent or unreadable: train again
  }
}

export function buildTokenizer(kind: 'char' | 'bpe', vocabSize: number, trainText: string): BuiltTokenizer {
  if (kind === 'char') return { tokenizer: CharTokenizer.fromText(trainText), cache: 'none' };
  const cacheFile = bpeCacheFile(trainText, vocabSize);
  const cached = readCachedBpe(cacheFile);
  if (cached) return { tokenizer: cached, cache: 'hit', cacheFile };
  const tokenizer = BpeTokenizer.train(trainText, vocabSize);
  try {
    mkdirSync(join(cacheRoot(), 'tokenizers'), { recursive: true });
    const temp = `${cacheFile}.${process.pid}.tmp`;
    writeFileSync(temp, JSON.stringify(tokenizer.toJson()));
    renameSync(temp, cacheFile);
  } catch (error) {
    process.stderr.write(`moe-lens: could not cache the tokenizer in ${cacheFile}: ${(error as Error).message}\n`);
  }
  return { tokenizer, cache: 'miss', cacheFile };
}
