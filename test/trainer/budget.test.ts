// A config far beyond the machine (issue 11, item 8) is refused before anything is allocated or
// written: exit code 2, the estimate in the message, no stack trace.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTrainer, tempDir, writeTinyConfig } from './helpers';

test('48 layers × dModel 4096 × 256 experts, batch 4096 × 4096: refused at once with the estimate', () => {
  const dir = tempDir('budget');
  const config = writeTinyConfig(dir, 'huge.moe.json', {
    model: { layers: 48, dModel: 4096, heads: 32, experts: 256, topK: 8, seqLen: 4096, expertHidden: 4096 },
    training: { batchSize: 4096, warmup: 2 },
  });
  const out = join(dir, 'run');
  const started = Date.now();
  const result = runTrainer(['--config', config, '--out', out]);
  assert.equal(result.code, 2, result.stderr);
  assert.match(
    result.stderr,
    /huge\.moe\.json: \$\.model: the run needs about 4\.\d+e\+11 parameters, \d+\.\d TiB of memory .* FLOPs a step, over the budget/,
  );
  assert.match(result.stderr, /training\.allowLargeConfig/);
  assert.doesNotMatch(result.stderr, /\n\s+at /);
  assert.equal(existsSync(out), false, 'nothing written');
  assert.ok(Date.now() - started < 15_000, 'no training attempted');
});
