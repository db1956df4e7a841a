// Start Run's config preparation, run folder names and the New Run Config template.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseRunConfig, RunConfigError } from '../../protocol/runConfig';
import { locateJsonPath } from '../../extension/config/jsonLocation';
import { runConfigTemplate, runConfigTemplateText } from '../../extension/config/template';
import { BALANCER_CHOICES, balancerChoices, methodsOf, prepareRunSource } from '../../extension/runs/prepareRun';
import { folderTimestamp, freeFolderName, runFolderName, safeSegment } from '../../extension/runs/runFolders';

const configText = JSON.stringify({
  $schema: '../dist/moe-run.schema.json',
  name: 'tiny',
  model: { experts: 4, topK: 2 },
  training: { steps: 20, warmup: 2 },
  data: { files: ['texts/*.txt', '/abs/book.txt'] },
  balancer: { methods: ['aux-loss'], auxAlpha: 0.02 },
});

test("the chosen balancer replaces the config's, data paths become absolute against the config folder", () => {
  const prepared = prepareRunSource(configText, '/work/proj/configs/tiny.moe.json', 'loss-free+simbal');
  assert.deepEqual(prepared.source.balancer, { methods: ['loss-free', 'simbal'], auxAlpha: 0.02 });
  assert.deepEqual(prepared.source.data?.files, ['/work/proj/configs/texts/*.txt', '/abs/book.txt']);
  assert.equal('$schema' in prepared.source, false);
  assert.equal(prepared.balancer, 'loss-free+simbal');
  assert.equal(prepared.config.model.topK, 2);
  assert.equal(prepared.config.training.steps, 20);
  // What is written is itself a valid config that resolves to the same thing.
  assert.deepEqual(parseRunConfig(JSON.stringify(prepared.source)), prepared.config);
});

test('a config without a name is named after its file; "none" alone', () => {
  const prepared = prepareRunSource('{"training":{"steps":5,"warmup":1}}', '/p/my-exp.moe.json', 'none');
  assert.equal(prepared.config.name, 'my-exp');
  assert.deepEqual(prepared.config.balancer.methods, ['none']);
  assert.equal(prepared.balancer, 'none');
});

test('a bad config throws RunConfigError naming the file and JSON path; nothing is half-prepared', () => {
  const bad = JSON.stringify({ model: { experts: 4, topK: 8 } });
  assert.throws(
    () => prepareRunSource(bad, '/p/bad.moe.json', 'aux-loss'),
    (error: unknown) =>
      error instanceof RunConfigError &&
      error.file === '/p/bad.moe.json' &&
      error.problems[0].path === '$.model.topK' &&
      /expected at most model.experts \(4\), got 8/.test(error.message),
  );
  assert.throws(
    () => prepareRunSource('{"model": {', '/p/x.moe.json', 'none'),
    /\/p\/x\.moe\.json: line 1, column 12: not valid JSON/,
  );
});

test("balancer labels and choices: the config's own first, each choice once", () => {
  assert.deepEqual(methodsOf('loss-free+aux-loss'), ['loss-free', 'aux-loss']);
  assert.throws(() => methodsOf('loss-free+magic'), /unknown balancer "magic"/);
  assert.deepEqual(balancerChoices('simbal'), [
    'simbal',
    'none',
    'aux-loss',
    'loss-free',
    'loss-free+simbal',
    'loss-free+aux-loss',
  ]);
  const own = balancerChoices('aux-loss+simbal');
  assert.equal(own[0], 'aux-loss+simbal');
  assert.equal(own.length, BALANCER_CHOICES.length + 1);
});

test('run folder names: <name>-<balancer>-<YYYYMMDD-HHMMSS> in local time, made path-safe and unique', () => {
  const date = new Date(2026, 10, 3, 8, 5, 9); // local 2026-11-03 08:05:09
  assert.equal(folderTimestamp(date), '20261103-080509');
  assert.equal(runFolderName('tiny', 'loss-free+simbal', date), 'tiny-loss-free+simbal-20261103-080509');
  assert.equal(runFolderName('my run/../x', 'none', date), 'my-run-..-x-none-20261103-080509');
  assert.equal(safeSegment('...'), 'run');
  const dir = mkdtempSync(join(tmpdir(), 'moe-runs-'));
  try {
    assert.equal(freeFolderName(dir, 'a'), 'a');
    mkdirSync(join(dir, 'a'));
    mkdirSync(join(dir, 'a-2'));
    assert.equal(freeFolderName(dir, 'a'), 'a-3');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the New Run Config template is a valid config', () => {
  const config = parseRunConfig(runConfigTemplateText('demo'), 'demo.moe.json');
  assert.equal(config.name, 'demo');
  assert.deepEqual(config.balancer.methods, runConfigTemplate('x').balancer?.methods);
});

test('JSON paths of problems are located at their key in the text', () => {
  const text = '{\n  "model": { "experts": 4, "topK": 8 },\n  "training": { "topK": 1 }\n}';
  const { offset, length } = locateJsonPath(text, '$.model.topK');
  assert.equal(text.slice(offset, offset + length), '"topK"');
  assert.equal(offset, text.indexOf('"topK"'), 'the one under model, not under training');
  const files = locateJsonPath('{"data": {"files": ["a", 5]}}', '$.data.files[1]');
  assert.equal(files.offset, 10);
  assert.deepEqual(locateJsonPath('{}', '$.model.topK'), { offset: 0, length: 0 });
});
