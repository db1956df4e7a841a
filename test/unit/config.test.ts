// The learning-rate schedule by hand, the example configs, and the run plan's config handling.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import {
  balancerLabel,
  crossFieldProblems,
  fieldFacts,
  parseRunConfig,
  resolveRunConfig,
  RUN_CONFIG_SPEC,
  runConfigJsonSchema,
  RunConfigError,
} from '../../protocol/runConfig';
import { planNewRun, UsageError } from '../../trainer/run/plan';
import { learningRate } from '../../trainer/run/schedule';

const close = (actual: number, expected: number) =>
  assert.ok(Math.abs(actual - expected) < 1e-12, `${actual} ≠ ${expected}`);

test('lr: linear warm-up, then cosine decay to lr·minLrRatio at the last step', () => {
  const training = resolveRunConfig({ training: { lr: 1, warmup: 10, steps: 110, minLrRatio: 0.1 } }).training;
  close(learningRate(1, training), 0.1);
  close(learningRate(5, training), 0.5);
  close(learningRate(10, training), 1);
  // step 35: a quarter of the decay, 0.1 + 0.9·½·(1 + cos(π/4))
  close(learningRate(35, training), 0.1 + 0.45 * (1 + Math.SQRT1_2));
  close(learningRate(60, training), 0.55);
  close(learningRate(110, training), 0.1);
  const noWarmup = resolveRunConfig({ training: { lr: 2, warmup: 0, steps: 4, minLrRatio: 0 } }).training;
  // steps 1…4 at progress ¼, ½, ¾, 1: 2·½·(1 + cos(πp))
  [1 + Math.SQRT1_2, 1, 1 - Math.SQRT1_2, 0].forEach((expected, i) => close(learningRate(i + 1, noWarmup), expected));
});

test('examples: every config is valid; one per balancer, named after it; tiny is tiny', () => {
  const dir = resolve('examples');
  const files = readdirSync(dir).filter((f) => f.endsWith('.moe.json'));
  const labels = new Set<string>();
  for (const file of files) {
    const text = readFileSync(join(dir, file), 'utf8');
    assert.equal((JSON.parse(text) as { $schema?: string }).$schema, '../dist/moe-run.schema.json', file);
    const config = parseRunConfig(text, file);
    if (file !== 'tiny.moe.json') {
      labels.add(balancerLabel(config.balancer.methods));
      assert.equal(file, `${balancerLabel(config.balancer.methods).replace('+', '-')}.moe.json`);
    }
  }
  assert.deepEqual([...labels].sort(), ['aux-loss', 'loss-free', 'loss-free+simbal', 'none', 'simbal']);
  const tiny = parseRunConfig(readFileSync(join(dir, 'tiny.moe.json'), 'utf8'));
  assert.ok(tiny.training.steps * tiny.training.batchSize * tiny.model.seqLen <= 2000, 'a few seconds on a CPU');
});

test('plan: data paths become absolute; --steps is validated with the rest; an existing run is refused', () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-lens-plan-'));
  mkdirSync(join(dir, 'texts'));
  writeFileSync(join(dir, 'texts', 'a.txt'), 'text');
  const file = join(dir, 'run.moe.json');
  writeFileSync(file, JSON.stringify({ training: { steps: 50, warmup: 10 }, data: { files: ['texts/*.txt'] } }));
  const plan = planNewRun(file, join(dir, 'out'), { steps: 20, backend: 'cpu' });
  assert.deepEqual(plan.files, [join(dir, 'texts', 'a.txt')]);
  assert.deepEqual(plan.config.data.files, [join(dir, 'texts', '*.txt')]);
  assert.equal(plan.config.training.steps, 20);
  assert.equal(plan.config.backend, 'cpu');
  // A --steps not more than the warmup trains: the warmup is scaled with the run, and a note says so.
  const short = planNewRun(file, join(dir, 'out'), { steps: 5 });
  assert.equal(short.config.training.steps, 5);
  assert.equal(short.config.training.warmup, 1, '10 of 50 steps is a fifth: 1 of 5');
  assert.deepEqual(short.notes, [
    "--steps 5 is not more than the config's warmup (10 of 50 steps): warmup scaled to 1 step",
  ]);
  assert.deepEqual(plan.notes, [], 'no note when the warmup fits');
  // The config file itself is still checked as written.
  writeFileSync(file, JSON.stringify({ training: { steps: 5, warmup: 10 } }));
  assert.throws(
    () => planNewRun(file, join(dir, 'out'), {}),
    (error: unknown) => error instanceof RunConfigError && error.problems[0].path === '$.training.warmup',
  );
  writeFileSync(file, JSON.stringify({ training: { steps: 50, warmup: 10 }, data: { files: ['texts/*.txt'] } }));
  mkdirSync(join(dir, 'out'));
  writeFileSync(join(dir, 'out', 'events.jsonl'), '');
  assert.throws(() => planNewRun(file, join(dir, 'out'), {}), UsageError);
});

test('cross-field problems while typing: found with other fields wrong too; none for a valid config', () => {
  assert.deepEqual(crossFieldProblems({ model: { experts: 8, topK: 12 } }), [
    { path: '$.model.topK', message: 'expected at most model.experts (8), got 12' },
  ]);
  // lr is wrong (the schema marks it): the cross-field check still runs, with lr at its default.
  assert.deepEqual(
    crossFieldProblems({ model: { experts: 8, topK: 12 }, training: { lr: 'fast' } }).map((p) => p.path),
    ['$.model.topK'],
  );
  assert.deepEqual(crossFieldProblems({ model: { experts: 8, topK: 2 } }), []);
});

test('hovers on config keys give the default and the range', () => {
  const { model, training } = RUN_CONFIG_SPEC;
  assert.equal(fieldFacts(model.fields.topK), 'Default: `2` · range 1 … 64 · whole numbers');
  assert.equal(fieldFacts(training.fields.lr), 'Default: `0.003` · more than 0, at most 10');
  assert.equal(fieldFacts(model.fields.gate), 'Default: `"softmax"` · one of `softmax`, `sigmoid`');
  const schema = runConfigJsonSchema() as {
    properties: { model: { properties: { topK: { markdownDescription: string } } } };
  };
  assert.match(
    schema.properties.model.properties.topK.markdownDescription,
    /at most experts\.\n\nDefault: `2` · range 1 … 64/,
  );
});
