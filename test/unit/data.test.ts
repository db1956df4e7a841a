// Data: corpus clean-ups, the deterministic split, the glob, tokenizers (BPE by hand and against a
// naive trainer, round trip, cache), the seeded sampler.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { BpeTokenizer, trainBpeMerges } from '../../trainer/data/bpe';
import { CharTokenizer } from '../../trainer/data/char';
import { cleanBook, loadBuiltInCorpus } from '../../trainer/data/corpus';
import { BatchSampler, evalSample, routingSnippet } from '../../trainer/data/dataset';
import { expandGlob } from '../../trainer/data/glob';
import { Rng } from '../../trainer/data/rng';
import { splitText } from '../../trainer/data/split';
import { buildTokenizer } from '../../trainer/data/tokenizerCache';

const temp = (name: string) => mkdtempSync(join(tmpdir(), `moe-lens-${name}-`));

test('split: the last fraction, cut at a paragraph boundary', () => {
  // 16 characters, fraction 0.25: target 12; no "\n\n" after it, the last one before is at 10
  assert.deepEqual(splitText('aaaa\n\nbbbb\n\ncccc', 0.25), { train: 'aaaa\n\nbbbb', validation: 'cccc' });
  // target 8 (fraction 0.5); the first "\n\n" at or after it is at 10
  assert.deepEqual(splitText('aaaa\n\nbbbb\n\ncccc', 0.5), { train: 'aaaa\n\nbbbb', validation: 'cccc' });
  // fraction 0.7: target 4, a boundary right there
  assert.deepEqual(splitText('aaaa\n\nbbbb\n\ncccc', 0.7), { train: 'aaaa', validation: 'bbbb\n\ncccc' });
  // no paragraph: a line break; no line break: the exact position
  assert.deepEqual(splitText('aaaa\nbbbb', 0.3), { train: 'aaaa', validation: 'bbbb' });
  assert.deepEqual(splitText('abcdefghij', 0.2), { train: 'abcdefgh', validation: 'ij' });
});

test('built-in corpus: 17 books without the Bible, clean, split deterministically', () => {
  const books = loadBuiltInCorpus(false);
  assert.equal(books.length, 17);
  assert.ok(!books.some((b) => b.name === 'bible-kjv.txt'));
  assert.equal(loadBuiltInCorpus(true).length, 18);
  for (const book of books) {
    assert.ok(!book.text.includes('\r') && !book.text.includes('\x1a'), book.name);
    const a = splitText(book.text, 0.05);
    const b = splitText(book.text, 0.05);
    assert.deepEqual(a, b);
    const share = a.validation.length / book.text.length;
    assert.ok(share > 0.02 && share < 0.1, `${book.name}: validation share ${share}`);
    assert.ok(a.train.endsWith('\n') || book.text[a.train.length] === '\n', `${book.name}: cut at a line break`);
  }
  const ball = books.find((b) => b.name === 'chesterton-ball.txt')!;
  assert.ok(!ball.text.includes("End of Project Gutenberg's"));
  assert.ok(books.find((b) => b.name === 'chesterton-ball.txt')!.text.includes('é'), 'read as latin1');
});

test('clean-ups: CRLF, trailing \\x1a, the licence of chesterton-ball, Bible verse numbers', () => {
  assert.equal(cleanBook('bryant-stories.txt', 'a\r\nb\r\n'), 'a\nb\n');
  assert.equal(cleanBook('milton-paradise.txt', 'end.\n\x1a\x1a'), 'end.\n');
  assert.equal(cleanBook('chesterton-ball.txt', "story\n\nEnd of Project Gutenberg's The Ball\nlicence"), 'story\n');
  assert.equal(
    cleanBook('bible-kjv.txt', '1:1 In the beginning\n1:2 And the earth'),
    'In the beginning\nAnd the earth\n',
  );
});

test('glob: *, ?, ** and plain paths, relative to a folder, sorted; hidden names skipped', () => {
  const dir = temp('glob');
  for (const file of ['a1.txt', 'a22.txt', 'b.md', 'sub/c.txt', 'sub/deep/d.txt', '.hidden/e.txt', 'sub/.f.txt']) {
    mkdirSync(join(dir, file, '..'), { recursive: true });
    writeFileSync(join(dir, file), file);
  }
  const rel = (files: string[]) => files.map((f) => f.slice(dir.length + 1));
  assert.deepEqual(rel(expandGlob('*.txt', dir)), ['a1.txt', 'a22.txt']);
  assert.deepEqual(rel(expandGlob('a?.txt', dir)), ['a1.txt']);
  assert.deepEqual(rel(expandGlob('**/*.txt', dir)), ['a1.txt', 'a22.txt', 'sub/c.txt', 'sub/deep/d.txt']);
  assert.deepEqual(rel(expandGlob('sub/**', dir)), ['sub/c.txt', 'sub/deep/d.txt']);
  assert.deepEqual(rel(expandGlob('sub/*/*.txt', dir)), ['sub/deep/d.txt']);
  assert.deepEqual(rel(expandGlob('sub/.*.txt', dir)), ['sub/.f.txt']);
  assert.deepEqual(rel(expandGlob('b.md', dir)), ['b.md']);
  assert.deepEqual(rel(expandGlob('./sub/../b.md', dir)), ['b.md']);
  assert.deepEqual(expandGlob(join(dir, 'sub', '*.txt'), '/elsewhere'), [join(dir, 'sub', 'c.txt')]);
  assert.deepEqual(expandGlob('nothing*.txt', dir), []);
  assert.deepEqual(expandGlob('a1.txt.', dir), [], '"." is literal');
});

test('char tokenizer: sorted distinct characters plus an unknown symbol', () => {
  const tokenizer = CharTokenizer.fromText('banana');
  assert.equal(tokenizer.vocabSize, 4);
  assert.deepEqual([...tokenizer.encode('nab!')], [2, 0, 1, 3]);
  assert.equal(tokenizer.decode([1, 0, 2]), 'ban');
  assert.equal(tokenizer.tokenText(3), '\uFFFD');
});

test('BPE merges by hand: "ab ab ab"', () => {
  // words "ab" ×1 and " ab" ×2: (a,b) occurs 3 times → 256; then ( ,256) twice → 257; then nothing twice
  assert.deepEqual(trainBpeMerges('ab ab ab', 1000), [
    [97, 98],
    [32, 256],
  ]);
  assert.deepEqual(trainBpeMerges('ab ab ab', 257), [[97, 98]], 'stops at vocabSize');
  const tokenizer = new BpeTokenizer([
    [97, 98],
    [32, 256],
  ]);
  assert.deepEqual([...tokenizer.encode('ab ab a')], [256, 257, 32, 97]);
  assert.equal(tokenizer.tokenText(257), ' ab');
});

/** Recounts every pair after every merge: slow but obviously right. */
function naiveMerges(text: string, vocabSize: number): [number, number][] {
  const words = [...text.matchAll(/ ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+/gu)].map((m) => [
    ...new TextEncoder().encode(m[0]),
  ]);
  const merges: [number, number][] = [];
  while (256 + merges.length < vocabSize) {
    const counts = new Map<number, number>();
    for (const w of words)
      for (let i = 0; i + 1 < w.length; i++)
        counts.set(w[i] * 65536 + w[i + 1], (counts.get(w[i] * 65536 + w[i + 1]) ?? 0) + 1);
    let best = -1;
    let bestCount = 1;
    for (const [key, count] of counts)
      if (count > bestCount || (count === bestCount && count > 1 && key < best)) [best, bestCount] = [key, count];
    if (best < 0) break;
    const [a, b] = [Math.floor(best / 65536), best % 65536];
    const id = 256 + merges.length;
    merges.push([a, b]);
    for (const w of words) {
      for (let i = 0; i + 1 < w.length; i++) if (w[i] === a && w[i + 1] === b) w.splice(i, 2, id);
    }
  }
  return merges;
}

test('incremental BPE training learns the same merges as the naive recount', () => {
  const text = loadBuiltInCorpus(false)
    .find((b) => b.name === 'carroll-alice.txt')!
    .text.slice(0, 20_000);
  assert.deepEqual(trainBpeMerges(text, 420), naiveMerges(text, 420));
});

test('BPE round trip, with non-ASCII text', () => {
  const books = loadBuiltInCorpus(false);
  const text = books.find((b) => b.name === 'shakespeare-caesar.txt')!.text.slice(0, 30_000);
  const tokenizer = BpeTokenizer.train(text, 400);
  assert.equal(tokenizer.vocabSize, 400);
  for (const sample of [text, 'Café naïve — 東京 🙂 tabs\tand\n\nnewlines  ', '']) {
    assert.equal(tokenizer.decode(tokenizer.encode(sample)), sample);
  }
  assert.ok(tokenizer.encode(text).length < text.length / 1.8, 'merges shorten the text');
  assert.deepEqual(BpeTokenizer.fromJson(tokenizer.toJson()).encode(text), tokenizer.encode(text));
});

test('BPE cache: a second build reads the merges instead of training', () => {
  const cache = temp('cache');
  const previous = process.env.MOE_LENS_CACHE;
  process.env.MOE_LENS_CACHE = cache;
  try {
    const text = 'the cat sat on the mat with the hat. '.repeat(50);
    const first = buildTokenizer('bpe', 280, text);
    assert.equal(first.cache, 'miss');
    assert.deepEqual(readdirSync(join(cache, 'tokenizers')), [first.cacheFile!.split('/').pop()]);
    const second = buildTokenizer('bpe', 280, text);
    assert.equal(second.cache, 'hit');
    assert.equal(second.cacheFile, first.cacheFile);
    assert.deepEqual(second.tokenizer.encode(text), first.tokenizer.encode(text));
    assert.equal(buildTokenizer('bpe', 290, text).cache, 'miss', 'another vocabSize is another entry');
    assert.equal(buildTokenizer('bpe', 280, text + 'x').cache, 'miss', 'other text is another entry');
  } finally {
    if (previous === undefined) delete process.env.MOE_LENS_CACHE;
    else process.env.MOE_LENS_CACHE = previous;
  }
});

test('Rng: seeded, and resumable from its state', () => {
  const a = new Rng(42);
  const b = new Rng(42);
  const first = Array.from({ length: 5 }, () => a.next());
  assert.deepEqual(
    first,
    Array.from({ length: 5 }, () => b.next()),
  );
  assert.notDeepEqual(
    first,
    Array.from({ length: 5 }, () => new Rng(43).next()),
  );
  const resumed = Rng.fromState(a.getState());
  assert.deepEqual(
    Array.from({ length: 5 }, () => resumed.int(1000)),
    Array.from({ length: 5 }, () => a.int(1000)),
  );
  const draws = Array.from({ length: 2000 }, () => b.int(7));
  assert.ok(draws.every((x) => Number.isInteger(x) && x >= 0 && x < 7));
  assert.equal(new Set(draws).size, 7);
});

test('batches: targets are inputs shifted by one; eval windows and snippet are fixed', () => {
  const tokens = Int32Array.from({ length: 100 }, (_, i) => i);
  const sampler = new BatchSampler(tokens, 3, 8, new Rng(1));
  const batch = sampler.next();
  assert.equal(batch.inputs.length, 24);
  for (let row = 0; row < 3; row++) {
    const start = batch.inputs[row * 8];
    assert.ok(start >= 0 && start + 8 < 100);
    assert.deepEqual(
      [...batch.inputs.subarray(row * 8, row * 8 + 8)],
      Array.from({ length: 8 }, (_, i) => start + i),
    );
    assert.deepEqual(
      [...batch.targets.subarray(row * 8, row * 8 + 8)],
      Array.from({ length: 8 }, (_, i) => start + i + 1),
    );
  }
  assert.deepEqual(new BatchSampler(tokens, 3, 8, new Rng(1)).next(), batch);
  // 3 windows of 8 over 100 tokens: starts 0, 45.5 → 46, 91 (the last start leaving a target)
  const sample = evalSample(tokens, 3, 8);
  assert.deepEqual(
    [0, 1, 2].map((row) => sample.inputs[row * 8]),
    [0, 46, 91],
  );
  assert.equal(sample.targets[23], 99);
  assert.deepEqual([...routingSnippet(tokens, 8)], [0, 1, 2, 3, 4, 5, 6, 7]);
  assert.equal(routingSnippet(tokens, 64).length, 48);
});
