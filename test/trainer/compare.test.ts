// npm run compare: one trainer process per balancer and seed on the same config, runs kept as run folders, mean ± sd table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import type { CompareReport } from '../../protocol/comparePreset';
import { ofType, readEvents, tempDir, TINY } from './helpers';

test('compare trains each balancer over seeds with the same data and router, keeps the runs, tabulates mean ± sd', () => {
  const out = tempDir('compare');
  const result = spawnSync(
    process.execPath,
    [
      resolve('dist/compare.js'),
      '--steps',
      '4',
      '--seeds',
      '2',
      '--out',
      out,
      '--name',
      'cmp',
      '--balancers',
      'none,loss-free+simbal',
      '--config',
      TINY,
    ],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  const folders = ['cmp-none-s', 'cmp-loss-free-simbal-s'].flatMap((prefix) => [`${prefix}42`, `${prefix}43`]);
  const starts = folders.map((folder) => ofType(readEvents(join(out, folder)), 'start')[0]);
  assert.deepEqual(
    starts.map((s) => s.config.balancer.methods),
    [['none'], ['none'], ['loss-free', 'simbal'], ['loss-free', 'simbal']],
  );
  assert.deepEqual(
    starts.map((s) => s.config.training.seed),
    [42, 43, 42, 43],
  );
  assert.deepEqual(
    starts.map((s) => s.config.training.steps),
    [4, 4, 4, 4],
  );
  assert.ok(
    starts.every((s) => JSON.stringify(s.config.router) === JSON.stringify(starts[0].config.router)),
    'same router settings',
  );
  assert.ok(starts.every((s) => s.data.trainTokens === starts[0].data.trainTokens));

  const lines = result.stdout.trim().split('\n');
  assert.equal(lines.length, 4);
  assert.match(
    lines[0],
    /^\| balancer \| seeds \| val loss \| MaxVio_global \| min PES \| experts used \(of 4\) \| tokens\/s \| steps to none's final val loss \|$/,
  );
  // the none row: mean ± sd of the two seeds' final val loss, computed here from their logs
  const finals = folders.slice(0, 2).map((f) => ofType(readEvents(join(out, f)), 'eval').at(-1)!.valLoss);
  const mean = (finals[0] + finals[1]) / 2;
  const sd = Math.abs(finals[0] - finals[1]) / Math.SQRT2;
  assert.equal(lines[2].split('|')[3].trim(), `${mean.toFixed(4)} ± ${sd.toFixed(4)}`);
  const report = JSON.parse(readFileSync(join(out, 'cmp.compare.json'), 'utf8')) as CompareReport;
  assert.deepEqual(
    report.arms.map((a) => a.runs),
    [folders.slice(0, 2), folders.slice(2)],
  );
  assert.deepEqual(report.seeds, [42, 43]);
  assert.equal(report.baseline, 'none');
  const markdown = readFileSync(join(out, 'cmp.compare.md'), 'utf8');
  assert.ok(markdown.includes(result.stdout), 'the .md holds the same table');
  assert.match(markdown, /`npm run compare -- --balancers none,loss-free\+simbal --config .* --steps 4 --seeds 2`/);
});
