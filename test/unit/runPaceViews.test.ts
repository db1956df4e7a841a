// The status bar, the Runs tree tooltip and the dashboard header show the same tokens/s and ETA for
// the same run state at the same moment: each view's text is computed from the RunInfo the registry
// builds (extension/runs/runInfo.ts), the header from the RunHeader the host sends of it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { TrainerEvent } from '../../protocol/events';
import { formatCount, formatDuration } from '../../protocol/runModel/format';
import { createRunSummary, reduceEvents } from '../../protocol/runModel/runState';
import { runTooltipMarkdown, statusBarText } from '../../extension/runs/format';
import { runInfo } from '../../extension/runs/runInfo';
import { runHeader } from '../../extension/webviews/runFeed';
import { runHeaderStats, stepOfTotal } from '../../webview/dashboard/headerText';
import { startEvent, stepEvent } from './extensionFixtures';

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, 0) + seconds * 1000).toISOString();

/** A run of 100 steps at step 40: steps every 2 s at 2,000 tokens/s, the last 8 at 4,000. */
function liveRun(): TrainerEvent[] {
  const events: TrainerEvent[] = [startEvent(0, at(0))];
  for (let step = 1; step <= 40; step++) events.push(stepEvent(step, at(2 * step), 0.5, step > 32 ? 4000 : 2000));
  return events;
}

const figures = (text: string) => ({
  tokens: /([\d,]+) tok(?:ens)?\/s|Tokens\/s: ([\d,]+)/.exec(text)?.slice(1).find(Boolean),
  eta: /ETA:? ([\d:]+)/.exec(text)?.[1],
});

function viewFigures(events: TrainerEvent[], pidAlive: boolean) {
  const state = reduceEvents(events, createRunSummary());
  const info = runInfo({ id: 'run-1', folder: undefined as never, state }, { pidAlive });
  return {
    info,
    statusBar: figures(statusBarText(info)),
    tooltip: figures(runTooltipMarkdown(info)),
    header: figures(runHeaderStats(runHeader(info))),
  };
}

test('a running run: the same recent tokens/s and ETA in the status bar, tree tooltip and dashboard header', () => {
  const { info, statusBar, tooltip, header } = viewFigures(liveRun(), true);
  assert.equal(info.status, 'running');
  // the last 32 steps (9…40): 24 at 2,000 and 8 at 4,000 tokens/s → 32 / (24/2000 + 8/4000) = 2,286
  // steps 9…40 over 62 s: 0.5 steps/s; 60 steps left → 120 s
  const expected = { tokens: formatCount(32 / (24 / 2000 + 8 / 4000)), eta: formatDuration(120) };
  assert.deepEqual(expected, { tokens: '2,286', eta: '2:00' });
  assert.deepEqual(statusBar, expected);
  assert.deepEqual(tooltip, expected);
  assert.deepEqual(header, expected);
});

test('an ended run: its average tokens/s everywhere and no ETA', () => {
  const events = liveRun();
  events.push({ v: 1, time: at(81), type: 'end', step: 40, status: 'stopped', reason: 'SIGTERM', durationSeconds: 80 });
  const { info, tooltip, header } = viewFigures(events, false);
  assert.equal(info.status, 'stopped');
  // all 40 steps: 40 / (32/2000 + 8/4000) = 2,222, not the last step's 4,000
  const expected = { tokens: formatCount(40 / (32 / 2000 + 8 / 4000)), eta: undefined };
  assert.deepEqual(expected.tokens, '2,222');
  assert.deepEqual(tooltip, expected);
  assert.deepEqual(header, expected);
});

test('a run of unknown length (a Megatron-LM import, totalSteps 0) reads "step 24 / ?" in the dashboard header', () => {
  assert.equal(stepOfTotal({ step: 24, totalSteps: 0 }), 'step 24 / ?');
  assert.equal(stepOfTotal({ step: 1200, totalSteps: 30000 }), 'step 1,200 / 30,000');
});
