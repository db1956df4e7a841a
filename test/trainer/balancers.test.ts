// Each balancer's tiny config trains end to end in the real trainer process (wasm; one run on cpu):
// every line parses, has the fields of its type, the run has the expected shape, and loss falls.
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { TrainerEvent } from '../../protocol/events';
import { ofType, readEvents, runTrainer, tempDir, writeTinyConfig } from './helpers';

const TOKENS_PER_STEP = 4 * 16; // tiny: batchSize 4 × seqLen 16
const TOP_K = 2;
const EXPERTS = 4;

function checkRun(runDir: string, stdout: string, methods: string[]): TrainerEvent[] {
  const fileText = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  assert.equal(stdout, fileText, 'stdout carries the same event lines as events.jsonl');
  const events = readEvents(runDir);
  assert.deepEqual(
    events.map((e) => e.type),
    [
      'start',
      ...Array<string>(10).fill('step'),
      'eval',
      'checkpoint',
      ...Array<string>(10).fill('step'),
      'eval',
      'checkpoint',
      'analysis',
      'end',
    ],
  );
  const [start] = ofType(events, 'start');
  assert.deepEqual(start.config, JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')));
  assert.deepEqual(start.config.balancer.methods, methods);
  assert.equal(start.step, 0);
  assert.equal(start.tokenizer.kind, 'char');
  assert.ok(start.data.sources.includes('carroll-alice.txt') && !start.data.sources.includes('bible-kjv.txt'));
  const layers = start.moeLayers.length;
  const steps = ofType(events, 'step');
  assert.deepEqual(
    steps.map((s) => s.step),
    Array.from({ length: 20 }, (_, i) => i + 1),
  );
  for (const s of steps) {
    assert.ok(Number.isFinite(s.loss) && Number.isFinite(s.lmLoss) && s.lr > 0 && s.tokensPerSecond > 0);
    assert.equal(s.expertCounts!.length, layers);
    for (const counts of s.expertCounts!) {
      assert.equal(counts.length, EXPERTS);
      assert.equal(
        counts.reduce((a, b) => a + b, 0),
        TOKENS_PER_STEP * TOP_K,
        'every token is routed to K experts',
      );
    }
    assert.equal(s.maxVioBatch.length, layers);
    assert.equal('auxLoss' in s.terms, methods.includes('aux-loss'));
    assert.equal('simbal' in s.terms, methods.includes('simbal'));
    assert.equal(s.bias !== undefined, methods.includes('loss-free'));
    const termSum = (Object.values(s.terms) as (number | undefined)[]).reduce((a: number, b) => a + (b ?? 0), 0);
    assert.ok(Math.abs(s.loss - (s.lmLoss + termSum)) < 1e-4, `loss = lmLoss + terms at step ${s.step}`);
  }
  const evals = ofType(events, 'eval');
  assert.deepEqual(
    evals.map((e) => e.step),
    [10, 20],
  );
  for (const e of evals) {
    assert.ok(Math.abs(e.perplexity - Math.exp(e.valLoss)) < 1e-6 * e.perplexity);
    assert.equal(e.routingSample.tokens.length, 16);
    assert.equal(e.routingSample.experts[0].length, 16);
    assert.equal(e.pesMin, Math.min(...e.pes));
  }
  assert.deepEqual(
    ofType(events, 'checkpoint').map((c) => c.step),
    [10, 20],
  );
  assert.ok(existsSync(join(runDir, 'checkpoint', 'state.json')));
  const [end] = ofType(events, 'end');
  assert.equal(end.status, 'completed');
  assert.equal(end.step, 20);
  const firstFive = steps.slice(0, 5).reduce((a, s) => a + s.lmLoss, 0) / 5;
  const lastFive = steps.slice(-5).reduce((a, s) => a + s.lmLoss, 0) / 5;
  assert.ok(lastFive < firstFive - 0.3, `LM loss falls: first 5 steps ${firstFive}, last 5 ${lastFive}`);
  return events;
}

const BALANCERS: [string, string[]][] = [
  ['none', ['none']],
  ['aux-loss', ['aux-loss']],
  ['loss-free', ['loss-free']],
  ['simbal', ['simbal']],
  ['loss-free+simbal', ['loss-free', 'simbal']],
];

for (const [label, methods] of BALANCERS) {
  test(`${label}: trains end to end on wasm`, () => {
    const dir = tempDir('balancer');
    const config = writeTinyConfig(dir, 'run.moe.json', { balancer: { methods } });
    const runDir = join(dir, 'run');
    const result = runTrainer(['--config', config, '--out', runDir, '--backend', 'wasm']);
    assert.equal(result.code, 0, result.stderr);
    const events = checkRun(runDir, result.stdout, methods);
    assert.deepEqual(ofType(events, 'start')[0].backend, { name: 'wasm', reason: 'requested' });
  });
}

test('aux-loss trains on the cpu backend, and --analyse appends an analysis to the finished run', () => {
  const dir = tempDir('cpu');
  const config = writeTinyConfig(dir, 'run.moe.json', {});
  const runDir = join(dir, 'run');
  const result = runTrainer(['--config', config, '--out', runDir, '--backend', 'cpu']);
  assert.equal(result.code, 0, result.stderr);
  const events = checkRun(runDir, result.stdout, ['aux-loss']);
  assert.equal(ofType(events, 'start')[0].backend.name, 'cpu');

  const before = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  const analysed = runTrainer(['--analyse', runDir, '--backend', 'cpu']);
  assert.equal(analysed.code, 0, analysed.stderr);
  const after = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  assert.ok(after.startsWith(before), 'the earlier lines are kept');
  const added = readEvents(runDir).slice(events.length);
  assert.deepEqual(
    added.map((e) => e.type),
    ['analysis'],
  );
  const [again, first] = [added[0], ofType(events, 'analysis')[0]];
  assert.ok(again.type === 'analysis' && again.step === 20);
  // the same checkpoint gives the same losses (times per token differ from run to run)
  assert.deepEqual(again.dropTopExperts, first.dropTopExperts);
  assert.deepEqual(
    again.dynamicK.map((d) => d.perplexity),
    first.dynamicK.map((d) => d.perplexity),
  );
});
