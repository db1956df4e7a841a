// The run config validator against hostile or careless input (issue 11): messages that say what is
// wrong, keys that only look like object internals, names that would drive a terminal, and a
// resource budget that refuses configs the machine cannot train, with the estimate in the message.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  budgetExcess,
  estimateRunCost,
  parseRunConfig,
  resolveRunConfig,
  RUN_CONFIG_SPEC,
  RunConfigError,
} from '../../protocol/runConfig';

const TOP_LEVEL_KEYS = ['name', 'backend', ...Object.keys(RUN_CONFIG_SPEC), '$schema'].join(', ');

function problems(text: string): string[] {
  try {
    parseRunConfig(text, 'x.moe.json');
  } catch (error) {
    assert.ok(error instanceof RunConfigError, String(error));
    return error.problems.map((p) => `${p.path}: ${p.message}`);
  }
  assert.fail(`accepted: ${text}`);
}

test('a number too large for a double (1e999) is named as such, not "got number null"', () => {
  assert.deepEqual(problems('{"training": {"lr": 1e999}}'), [
    '$.training.lr: expected a number, got Infinity (a number too large for a double)',
  ]);
});

test('an unknown top-level key lists every top-level key, sections included', () => {
  assert.deepEqual(problems('{"trainin": {}}'), [`$.trainin: unknown key; expected one of ${TOP_LEVEL_KEYS}`]);
});

test('"__proto__", "constructor" and "toString" are unknown keys, at the top and in sections', () => {
  assert.deepEqual(problems('{"__proto__": {"x": 1}, "model": {"constructor": 1, "toString": 2}}'), [
    `$.__proto__: unknown key; expected one of ${TOP_LEVEL_KEYS}`,
    '$.model.constructor: unknown key; expected one of ' + Object.keys(resolveRunConfig({}).model).join(', '),
    '$.model.toString: unknown key; expected one of ' + Object.keys(resolveRunConfig({}).model).join(', '),
  ]);
});

test('a run name with control or bidi-override characters is refused (it reaches terminals and the tree)', () => {
  for (const name of ['evil\u001b[2J', 'a\nb', 'x\u202eegassem', 'bell\u0007', 'c1\u009b31m']) {
    assert.deepEqual(problems(JSON.stringify({ name })), [
      `$.name: expected a string without control or bidirectional-override characters, got ${JSON.stringify(name)}`,
    ]);
  }
  assert.equal(resolveRunConfig({ name: 'ünïcode – fine 🙂' }).name, 'ünïcode – fine 🙂');
});

const HUGE = {
  model: { layers: 48, dModel: 4096, heads: 32, experts: 256, topK: 8, seqLen: 4096, expertHidden: 4096 },
  training: { batchSize: 4096 },
};

test('budget: a config needing terabytes is refused with the estimate; allowLargeConfig turns it into a pass', () => {
  const found = problems(JSON.stringify(HUGE));
  assert.equal(found.length, 1);
  assert.match(
    found[0],
    /^\$\.model: the run needs about 4\.\d+e\+11 parameters, \d+\.\d TiB of memory \(6\.0 TiB weights, gradients and AdamW moments \+ \d+\.\d TiB activations\) and 1\.\d+e\+18 FLOPs a step, over the budget of 4\.0 GiB of memory and 2e\+12 FLOPs a step; .*set training\.allowLargeConfig to true/,
  );
  const allowed = resolveRunConfig({ ...HUGE, training: { ...HUGE.training, allowLargeConfig: true } });
  assert.equal(allowed.training.allowLargeConfig, true);
  assert.match(budgetExcess(allowed)!, /over the budget/);
});

test("budget: the estimate counts parameters exactly for the trainer's model shape", () => {
  // tiny.moe.json's shape with its 90-symbol vocabulary: the trainer's start event says 6,368 parameters
  const config = resolveRunConfig({
    model: { layers: 1, dModel: 16, heads: 2, seqLen: 16, experts: 4, topK: 2, expertHidden: 16 },
    training: { batchSize: 4, steps: 20, warmup: 2 },
  });
  assert.equal(estimateRunCost(config, 90).parameters, 6368);
  assert.equal(budgetExcess(config), undefined);
});

test('budget: a step beyond the compute budget alone is refused too', () => {
  const found = problems(
    JSON.stringify({
      model: { layers: 8, dModel: 1024, heads: 8, seqLen: 1024, experts: 8, topK: 2, expertHidden: 1024 },
      training: { batchSize: 64 },
    }),
  );
  assert.match(found[0], /over the budget of .*FLOPs a step/);
});
