// The texts runs are shown with: tree item, tooltip, status bar, CodeLens.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  escapeMarkdown,
  lastRunLensTitle,
  runDescription,
  runTooltipMarkdown,
  statusBarText,
} from '../../extension/runs/format';
import { formatDuration } from '../../protocol/runModel/format';
import type { RunInfo } from '../../extension/runs/types';

const run: RunInfo = {
  id: 'tiny-aux-loss-20261103-080509',
  folder: undefined as never, // not shown anywhere
  name: 'tiny',
  balancer: 'aux-loss',
  status: 'running',
  step: 120,
  totalSteps: 300,
  lastValLoss: 2.41234,
  lastMaxVio: 0.3456,
  tokensPerSecond: 2047.6,
  etaSeconds: 75.4,
  backend: 'wasm',
};

test('durations as m:ss, and h:mm:ss past an hour', () => {
  assert.equal(formatDuration(75.4), '1:15');
  assert.equal(formatDuration(0), '0:00');
  assert.equal(formatDuration(3725), '1:02:05');
  assert.equal(formatDuration(-3), '0:00');
});

test('tree description, status bar and CodeLens texts', () => {
  assert.equal(runDescription(run), 'aux-loss · 120/300 · running');
  assert.equal(statusBarText(run), '$(loading~spin) MoE tiny 120/300 · 2,048 tok/s · ETA 1:15');
  assert.equal(
    statusBarText({ ...run, tokensPerSecond: undefined, etaSeconds: undefined }),
    '$(loading~spin) MoE tiny 120/300',
  );
  assert.equal(lastRunLensTitle({ ...run, status: 'completed' }), 'last run: step 120 · val 2.412 · MaxVio 0.35');
  assert.equal(
    lastRunLensTitle({ ...run, status: 'stopped', lastValLoss: undefined, lastMaxVio: undefined }),
    'last run (stopped): step 120 · val – · MaxVio –',
  );
  assert.equal(lastRunLensTitle(run), 'last run (running): show its dashboard', 'no figures that would go stale');
  assert.equal(runDescription({ ...run, status: 'queued', step: 0, totalSteps: 0 }), 'aux-loss · 0/? · queued');
});

test('a run whose log is still being read first says so in its description and tooltip', () => {
  const reading = { ...run, readingLog: true };
  assert.equal(runDescription(reading), 'aux-loss · 120/300 · running · reading log…');
  assert.match(runTooltipMarkdown(reading), /Log: reading… \(status and step so far; complete when the read ends\)/);
  assert.doesNotMatch(runTooltipMarkdown(run), /reading/);
});

test('tooltip lists status, reason, val loss, MaxVio, tokens/s, and escapes what comes from the run', () => {
  const text = runTooltipMarkdown({ ...run, status: 'failed', reason: 'loss *exploded* <b>', name: 'my_run' });
  assert.equal(
    text,
    [
      '**my\\_run** · aux\\-loss',
      'Status: failed (loss \\*exploded\\* \\<b\\>)',
      'Step: 120/300',
      'Last val loss: 2.4123',
      'MaxVio: 0.346',
      'Tokens/s: 2,048',
      'Backend: wasm',
    ].join('  \n'),
  );
  assert.match(runTooltipMarkdown(run), /ETA: 1:15$/);
  assert.equal(escapeMarkdown('a[b](c)'), 'a\\[b\\]\\(c\\)');
});
