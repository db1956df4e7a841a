/** examples/papers: every preset's base config and arms are valid configs, and say what the issue asks of them. */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { parseComparePreset } from '../../protocol/comparePreset';
import { gatesNormalised, parseRunConfig, resolveRunConfig, type RunConfig } from '../../protocol/runConfig';

const dir = resolve('examples/papers');
const presets = readdirSync(dir)
  .filter((f) => f.endsWith('.compare.json'))
  .map((file) => ({ file, preset: parseComparePreset(readFileSync(join(dir, file), 'utf8'), file) }));

test('paper presets: valid base configs and arms; the baseline and every reported figure name an arm', () => {
  assert.deepEqual(presets.map((p) => p.file).sort(), [
    'loss-free-gpu.compare.json',
    'loss-free.compare.json',
    'simbal-gpu.compare.json',
    'simbal.compare.json',
  ]);
  for (const { file, preset } of presets) {
    const base = parseRunConfig(readFileSync(join(dir, preset.config), 'utf8'), preset.config);
    const labels = preset.arms.map((a) => a.label);
    for (const arm of preset.arms)
      resolveRunConfig(
        { ...base, balancer: arm.balancer, router: { ...base.router, ...arm.router } },
        `${file}: ${arm.label}`,
      );
    assert.ok(labels.includes(preset.baseline), `${file}: baseline`);
    for (const figure of preset.reported)
      assert.ok(labels.includes(figure.arm), `${file}: reported ${figure.metric} of ${figure.arm}`);
    assert.ok(preset.seeds >= 3 && preset.steps >= 1 && preset.claims.length > 0, file);
  }
});

test('paper settings: Loss-Free sigmoid + shared expert + aux baseline at 0.001; SimBal softmax top-8 of 32–64, raw gates, LBL baseline', () => {
  const base = (name: string): RunConfig => {
    const { preset } = presets.find((p) => p.file === name)!;
    return parseRunConfig(readFileSync(join(dir, preset.config), 'utf8'));
  };
  for (const name of ['loss-free.compare.json', 'loss-free-gpu.compare.json']) {
    const config = base(name);
    const { preset } = presets.find((p) => p.file === name)!;
    assert.equal(config.model.gate, 'sigmoid');
    assert.ok(gatesNormalised(config) && config.model.sharedExperts >= 1 && config.model.experts >= 16, name);
    assert.deepEqual(preset.arms.find((a) => a.label === 'aux-loss')!.balancer, {
      methods: ['aux-loss'],
      auxAlpha: 0.001,
    });
  }
  for (const name of ['simbal.compare.json', 'simbal-gpu.compare.json']) {
    const config = base(name);
    assert.equal(config.model.gate, 'softmax');
    assert.equal(config.model.topK, 8);
    assert.ok(config.model.experts >= 32 && config.model.experts <= 64 && !gatesNormalised(config), name);
    assert.ok(
      presets.find((p) => p.file === name)!.preset.arms.every((a) => a.router === undefined),
      'same router in both arms',
    );
  }
});

test('paper presets: a broken preset is refused with every problem named by JSON path', () => {
  const good = readFileSync(join(dir, 'simbal.compare.json'), 'utf8');
  const broken = JSON.parse(good) as Record<string, unknown> & { arms: { label: unknown }[]; reported: object[] };
  broken.steps = 0;
  broken.arms[1].label = 7;
  broken.baseline = 'lbl';
  broken.reported[0] = { ...broken.reported[0], metric: 'loss' };
  delete broken.claims;
  assert.throws(
    () => parseComparePreset(JSON.stringify(broken), 'papers/x.compare.json'),
    (error: Error) => {
      assert.deepEqual(error.message.split('\n'), [
        'papers/x.compare.json: $.steps: expected a positive integer, got 0',
        'papers/x.compare.json: $.arms[1].label: expected a string, got 7',
        'papers/x.compare.json: $.baseline: expected one of the arms\' labels (aux-loss, 7), got "lbl"',
        'papers/x.compare.json: $.reported[0].metric: expected one of valLoss, perplexity, maxVioGlobal, pesMin, expertsUsed, tokensToTarget, got "loss"',
        `papers/x.compare.json: $.reported[1].arm: expected one of the arms' labels, got "simbal"`,
        `papers/x.compare.json: $.reported[3].arm: expected one of the arms' labels, got "simbal"`,
        'papers/x.compare.json: $.claims: expected an array of strings, got nothing',
      ]);
      return true;
    },
  );
  assert.throws(() => parseComparePreset('{"title": ', 'y.compare.json'), /^Error: y\.compare\.json: not valid JSON: /);
});
