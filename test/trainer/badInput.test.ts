// Every kind of bad input: exit code 2, one line per problem naming the file and JSON path (or flag),
// no stack trace, and nothing written (an existing run is never touched).
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runTrainer, tempDir, TINY, writeTinyConfig } from './helpers';

function expectRejected(args: string[], pattern: RegExp, outDir?: string): string {
  const result = runTrainer(args);
  assert.equal(result.code, 2, `exit code 2; stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stdout, '', 'no events');
  if (outDir) assert.equal(existsSync(outDir), false, 'nothing written');
  return result.stderr;
}

function rejectConfig(name: string, text: string, pattern: RegExp): string {
  const dir = tempDir('bad');
  const file = join(dir, `${name}.moe.json`);
  writeFileSync(file, text);
  const out = join(dir, 'run');
  return expectRejected(['--config', file, '--out', out], pattern, out);
}

const tiny = (changes: object) => JSON.stringify({ ...JSON.parse(readFileSync(TINY, 'utf8')), ...changes });

test('a config that is not JSON: line and column', () => {
  rejectConfig('syntax', '{ "model": { "topK": 2, }\n}', /syntax\.moe\.json: line 1, column \d+: not valid JSON/);
});

test('an unknown key', () => {
  rejectConfig(
    'unknown',
    tiny({ model: { topK: 2, topk: 3 } }),
    /unknown\.moe\.json: \$\.model\.topk: unknown key; expected one of layers, /,
  );
});

test('a wrong type', () => {
  rejectConfig(
    'type',
    tiny({ training: { batchSize: '4' } }),
    /type\.moe\.json: \$\.training\.batchSize: expected an integer, got "4"/,
  );
});

test('topK > experts', () => {
  rejectConfig(
    'topk',
    tiny({ model: { experts: 4, topK: 5 } }),
    /topk\.moe\.json: \$\.model\.topK: expected at most model\.experts \(4\), got 5/,
  );
});

test('dModel not divisible by heads', () => {
  rejectConfig(
    'heads',
    tiny({ model: { dModel: 18, heads: 4 } }),
    /heads\.moe\.json: \$\.model\.dModel: expected a multiple of model\.heads \(4\), got 18/,
  );
});

test('lr ≤ 0', () => {
  rejectConfig('lr', tiny({ training: { lr: 0 } }), /lr\.moe\.json: \$\.training\.lr: expected a number > 0, got 0/);
});

test('an unknown balancer', () => {
  rejectConfig(
    'balancer',
    tiny({ balancer: { methods: ['aux-loss', 'expert-choice'] } }),
    /balancer\.moe\.json: \$\.balancer\.methods\[1\]: expected one of "none", /,
  );
});

test('several problems: one line each', () => {
  const stderr = rejectConfig(
    'many',
    tiny({ model: { heads: 'two' }, training: { lr: -1 }, extra: 1 }),
    /many\.moe\.json: \$\.extra: unknown key/,
  );
  assert.deepEqual(
    stderr
      .trim()
      .split('\n')
      .map((line) => line.replace(/^.*many\.moe\.json: /, '').split(':')[0]),
    ['$.extra', '$.model.heads', '$.training.lr'],
  );
});

test('a missing data file and a glob that matches nothing, relative to the config file', () => {
  const dir = tempDir('files');
  mkdirSync(join(dir, 'texts'));
  writeFileSync(join(dir, 'texts', 'a.txt'), 'some text\n');
  const config = writeTinyConfig(dir, 'files.moe.json', {
    data: { files: ['texts/a.txt', 'texts/missing.txt', 'texts/**/*.md'] },
  });
  const out = join(dir, 'run');
  const stderr = expectRejected(
    ['--config', config, '--out', out],
    /files\.moe\.json: \$\.data\.files\[1\]: file not found: "texts\/missing\.txt"/,
    out,
  );
  assert.match(stderr, /\$\.data\.files\[2\]: no file matches the glob "texts\/\*\*\/\*\.md"/);
  assert.doesNotMatch(stderr, /files\[0\]/);
});

test('too little text for seqLen names validationFraction', () => {
  const dir = tempDir('short');
  // a long first paragraph to train on, then a validation part of a few characters
  writeFileSync(join(dir, 'short.txt'), `${'A sentence long enough to train on. '.repeat(20)}\n\nThe end.\n`);
  const config = writeTinyConfig(dir, 'short.moe.json', { data: { files: ['short.txt'] } });
  const out = join(dir, 'run');
  expectRejected(
    ['--config', config, '--out', out],
    /short\.moe\.json: \$\.data\.validationFraction: the validation split has \d+ tokens; model\.seqLen 16 needs at least 17/,
    out,
  );
});

test('an unknown flag, a bad --steps, a missing --out, a missing config file', () => {
  const out = join(tempDir('flags'), 'run');
  expectRejected(['--config', TINY, '--out', out, '--epochs', '3'], /Unknown option '--epochs'/, out);
  expectRejected(
    ['--config', TINY, '--out', out, '--steps', 'ten'],
    /--steps: expected a positive integer, got "ten"/,
    out,
  );
  expectRejected(['--config', TINY], /--out DIR is required with --config/);
  expectRejected(
    ['--config', join(out, 'nope.moe.json'), '--out', out],
    /nope\.moe\.json: cannot read the run config: no such file/,
    out,
  );
});

test('asking for a native backend that is not installed names the package', () => {
  const out = join(tempDir('backend'), 'run');
  expectRejected(
    ['--config', TINY, '--out', out, '--backend', 'tensorflow-gpu'],
    /needs the npm package @tensorflow\/tfjs-node-gpu: not installed/,
    out,
  );
  expectRejected(
    ['--config', TINY, '--out', out, '--backend', 'tensorflow'],
    /needs the npm package @tensorflow\/tfjs-node: not installed/,
    out,
  );
});

test('an --out folder holding a run, and a bad --resume, leave the run untouched', () => {
  const dir = tempDir('clobber');
  const runDir = join(dir, 'run');
  mkdirSync(runDir);
  const events =
    '{"v":1,"time":"2026-01-01T00:00:00.000Z","type":"end","step":3,"status":"stopped","reason":"SIGTERM"}\n';
  writeFileSync(join(runDir, 'events.jsonl'), events);
  writeFileSync(join(runDir, 'config.json'), '{"model": {"experts": 1}}');
  expectRejected(
    ['--config', TINY, '--out', runDir],
    /already holds a run \(events\.jsonl\); continue it with --resume/,
  );
  expectRejected(['--resume', runDir], /config\.json: \$\.model\.experts: expected a number ≥ 2, got 1/);
  writeFileSync(join(runDir, 'config.json'), readFileSync(TINY));
  expectRejected(['--resume', runDir], /no checkpoint to resume/);
  expectRejected(['--resume', join(dir, 'elsewhere')], /not a run folder \(no config\.json\)/);
  assert.equal(readFileSync(join(runDir, 'events.jsonl'), 'utf8'), events);
});

test('--help prints the usage and exits 0', () => {
  const result = runTrainer(['--help']);
  assert.equal(result.code, 0);
  for (const flag of ['--config', '--out', '--steps', '--backend', '--resume', '--analyse'])
    assert.ok(result.stdout.includes(flag), flag);
});
