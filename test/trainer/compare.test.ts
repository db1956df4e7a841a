// npm run compare: one trainer process per balancer on the same config, then the markdown table.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, tempDir, TINY } from './helpers';

test('compare trains each balancer with the same seed and data and tabulates the final eval', () => {
  const out = join(tempDir('compare'), 'cmp');
  const result = spawnSync(
    process.execPath,
    [resolve('dist/compare.js'), '--steps', '4', '--out', out, '--balancers', 'none,loss-free+simbal', '--config', TINY],
    { encoding: 'utf8' },
  );
  assert.equal(result.status, 0, result.stderr);
  const runs = ['none', 'loss-free-simbal'].map((name) => readEvents(join(out, name)));
  const starts = runs.map((events) => ofType(events, 'start')[0]);
  assert.deepEqual(starts.map((s) => s.config.balancer.methods), [['none'], ['loss-free', 'simbal']]);
  assert.deepEqual(starts.map((s) => s.config.training.steps), [4, 4]);
  assert.equal(starts[0].config.training.seed, starts[1].config.training.seed);
  assert.equal(starts[0].data.trainTokens, starts[1].data.trainTokens);

  const lines = result.stdout.trim().split('\n');
  assert.equal(lines[0], '| balancer | val loss | MaxVio_global | min PES | experts used | tokens/s |');
  assert.equal(lines.length, 4);
  runs.forEach((events, i) => {
    const last = ofType(events, 'eval').at(-1)!;
    const cells = lines[2 + i].split('|').map((c) => c.trim());
    assert.equal(cells[1], ['none', 'loss-free+simbal'][i]);
    assert.equal(cells[2], last.valLoss.toFixed(4));
    assert.equal(cells[3], last.maxVioGlobalMean.toFixed(3));
    assert.equal(cells[4], last.pesMin.toFixed(3));
    assert.equal(cells[5], `${last.expertsUsed.join(', ')} of 4`);
  });
  const report = readFileSync(join(out, 'compare.md'), 'utf8');
  assert.ok(report.includes(result.stdout), 'compare.md holds the same table');
  assert.match(report, /`npm run compare -- --steps 4 --balancers none,loss-free\+simbal --config /);
});
