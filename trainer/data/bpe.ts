/**
 * Byte-level BPE: text → UTF-8 bytes (ids 0–255), then learned merges (ids 256, 257, …). Training
 * pre-splits the text into words (a leading space stays with its word), counts each distinct word
 * once, and keeps pair counts up to date incrementally: a merge touches only the words that contain
 * the merged pair, and a lazy max-heap picks the next most frequent pair.
 */
import type { Tokenizer } from './tokenizer';

const PRE_TOKEN = / ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu;
const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8');
const pairKey = (a: number, b: number) => a * 65536 + b;

export interface BpeJson {
  kind: 'bpe';
  version: 1;
  merges: [number, number][];
}

function countWords(text: string): Map<string, number> {
  const counts = new Map<string, number>();
  for (const match of text.matchAll(PRE_TOKEN)) counts.set(match[0], (counts.get(match[0]) ?? 0) + 1);
  return counts;
}

/** Max-heap of (count, pair) with stale entries skipped on pop; ties go to the smaller pair key. */
class PairHeap {
  private counts: number[] = [];
  private keys: number[] = [];

  push(count: number, key: number): void {
    this.counts.push(count);
    this.keys.push(key);
    let i = this.counts.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The best pair whose count still equals `current(key)`. */
  popValid(current: (key: number) => number): { key: number; count: number } | undefined {
    while (this.counts.length > 0) {
      const count = this.counts[0];
      const key = this.keys[0];
      this.removeTop();
      if (current(key) === count) return { key, count };
    }
    return undefined;
  }

  private before(i: number, j: number): boolean {
    return this.counts[i] > this.counts[j] || (this.counts[i] === this.counts[j] && this.keys[i] < this.keys[j]);
  }

  private swap(i: number, j: number): void {
    [this.counts[i], this.counts[j]] = [this.counts[j], this.counts[i]];
    [this.keys[i], this.keys[j]] = [this.keys[j], this.keys[i]];
  }

  private removeTop(): void {
    const lastCount = this.counts.pop()!;
    const lastKey = this.keys.pop()!;
    if (this.counts.length === 0) return;
    this.counts[0] = lastCount;
    this.keys[0] = lastKey;
    let i = 0;
    for (;;) {
      const left = 2 * i + 1;
      const right = left + 1;
      let best = i;
      if (left < this.counts.length && this.before(left, best)) best = left;
      if (right < this.counts.length && this.before(right, best)) best = right;
      if (best === i) return;
      this.swap(i, best);
      i = best;
    }
  }
}

function mergeWord(ids: number[], a: number, b: number, id: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < ids.length; i++) {
    if (i + 1 < ids.length && ids[i] === a && ids[i + 1] === b) {
      out.push(id);
      i++;
    } else {
      out.push(ids[i]);
    }
  }
  return out;
}

/** Learns merges until the vocabulary (256 bytes + merges) reaches vocabSize or no pair occurs twice. */
export function trainBpeMerges(text: string, vocabSize: number): [number, number][] {
  const words = [...countWords(text)].map(([word, count]) => ({ ids: [...utf8.encode(word)], count }));
  const pairCounts = new Map<number, number>();
  const pairWords = new Map<number, Set<number>>();
  const addPairs = (w: number, sign: 1 | -1) => {
    const { ids, count } = words[w];
    for (let i = 0; i + 1 < ids.length; i++) {
      const key = pairKey(ids[i], ids[i + 1]);
      pairCounts.set(key, (pairCounts.get(key) ?? 0) + sign * count);
      if (sign > 0) {
        let set = pairWords.get(key);
        if (!set) pairWords.set(key, (set = new Set()));
        set.add(w);
      }
    }
  };
  words.forEach((_, w) => addPairs(w, 1));
  const heap = new PairHeap();
  for (const [key, count] of pairCounts) heap.push(count, key);

  const merges: [number, number][] = [];
  while (256 + merges.length < vocabSize) {
    const best = heap.popValid((key) => pairCounts.get(key) ?? 0);
    if (!best || best.count < 2) break;
    const a = Math.floor(best.key / 65536);
    const b = best.key % 65536;
    const id = 256 + merges.length;
    merges.push([a, b]);
    const touched = new Set<number>();
    for (const w of pairWords.get(best.key) ?? []) {
      const merged = mergeWord(words[w].ids, a, b, id);
      if (merged.length === words[w].ids.length) continue; // the pair left this word in an earlier merge
      for (let i = 0; i + 1 < words[w].ids.length; i++) touched.add(pairKey(words[w].ids[i], words[w].ids[i + 1]));
      addPairs(w, -1);
      words[w].ids = merged;
      addPairs(w, 1);
      for (let i = 0; i + 1 < merged.length; i++) touched.add(pairKey(merged[i], merged[i + 1]));
    }
    pairWords.delete(best.key);
    for (const key of touched) {
      const count = pairCounts.get(key) ?? 0;
      if (count > 0) heap.push(count, key);
      else pairCounts.delete(key);
    }
  }
  return merges;
}

export class BpeTokenizer implements Tokenizer {
  readonly kind = 'bpe' as const;
  private readonly ranks = new Map<number, number>();
  private readonly tokenBytes: Uint8Array[] = [];
  private readonly wordCache = new Map<string, number[]>();

  constructor(readonly merges: readonly [number, number][]) {
    for (let byte = 0; byte < 256; byte++) this.tokenBytes.push(Uint8Array.of(byte));
    merges.forEach(([a, b], rank) => {
      this.ranks.set(pairKey(a, b), rank);
      const bytes = new Uint8Array(this.tokenBytes[a].length + this.tokenBytes[b].length);
      bytes.set(this.tokenBytes[a]);
      bytes.set(this.tokenBytes[b], this.tokenBytes[a].length);
      this.tokenBytes.push(bytes);
    });
  }

  static train(text: string, vocabSize: number): BpeTokenizer {
    return new BpeTokenizer(trainBpeMerges(text, vocabSize));
  }

  static fromJson(json: BpeJson): BpeTokenizer {
    return new BpeTokenizer(json.merges);
  }

  toJson(): BpeJson {
    return { kind: 'bpe', version: 1, merges: this.merges.map(([a, b]) => [a, b]) };
  }

  get vocabSize(): number {
    return 256 + this.merges.length;
  }

  /** Applies merges by rank, lowest first, as they were learned. */
  private encodeWord(word: string): number[] {
    const cached = this.wordCache.get(word);
    if (cached) return cached;
    let ids = [...utf8.encode(word)];
    for (;;) {
      let bestRank = Infinity;
      for (let i = 0; i + 1 < ids.length; i++) {
        const rank = this.ranks.get(pairKey(ids[i], ids[i + 1]));
        if (rank !== undefined && rank < bestRank) bestRank = rank;
      }
      if (bestRank === Infinity) break;
      const [a, b] = this.merges[bestRank];
      ids = mergeWord(ids, a, b, 256 + bestRank);
    }
    this.wordCache.set(word, ids);
    return ids;
  }

  encode(text: string): Int32Array {
    const out: number[] = [];
    for (const match of text.matchAll(PRE_TOKEN)) {
      for (const id of this.encodeWord(match[0])) out.push(id);
    }
    return Int32Array.from(out);
  }

  decode(ids: ArrayLike<number>): string {
    const parts: Uint8Array[] = [];
    let length = 0;
    for (let i = 0; i < ids.length; i++) {
      const bytes = this.tokenBytes[ids[i]];
      parts.push(bytes);
      length += bytes.length;
    }
    const all = new Uint8Array(length);
    let offset = 0;
    for (const part of parts) {
      all.set(part, offset);
      offset += part.length;
    }
    return utf8Decoder.decode(all);
  }

  tokenText(id: number): string {
    return utf8Decoder.decode(this.tokenBytes[id]);
  }
}
