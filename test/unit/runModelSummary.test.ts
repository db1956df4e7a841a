// The run summary the host keeps for every run (tree, status bar, CodeLens figures), its status and
// pace, reduced from hand-made event logs and checked by hand.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { EndEvent, EvalEvent, TrainerEvent } from '../../protocol/events';
import { startEvent, stepEvent } from './extensionFixtures';
import { averageTokensPerSecond, recentTokensPerSecond, runPace } from '../../protocol/runModel/pace';
import { createRunSummary, reduceEvents, type RunSummary } from '../../protocol/runModel/runState';
import { runStatus, shownMaxVio, type Liveness } from '../../protocol/runModel/status';

const foldEvents = (events: TrainerEvent[], state: RunSummary = createRunSummary()) => reduceEvents(events, state);
const deriveStatus = (state: RunSummary, { managed, pidAlive }: { managed: boolean; pidAlive: boolean }) =>
  runStatus(state, { launched: managed, pidAlive } satisfies Liveness);
const etaSeconds = (state: RunSummary) => runPace(state, 'running').etaSeconds;

const at = (seconds: number) => new Date(Date.UTC(2026, 0, 1, 12, 0, seconds)).toISOString();

function evalEvent(step: number, valLoss: number, maxVioGlobal: number): EvalEvent {
  return {
    v: 1,
    time: at(0),
    type: 'eval',
    step,
    valLoss,
    perplexity: Math.exp(valLoss),
    expertLoad: [[1, 1]],
    maxVioGlobal: [maxVioGlobal],
    maxVioGlobalMean: maxVioGlobal,
    expertsUsed: [2],
    pes: [0.1],
    pesMin: 0.1,
    gramDeviation: 0,
    gramDeviationPerLayer: [0],
    routerEntropy: [0.5],
    seu: [1],
    routingSample: { tokens: [], experts: [], gates: [] },
  };
}

const endEvent = (step: number, status: EndEvent['status'], reason: string): EndEvent => ({
  v: 1,
  time: at(59),
  type: 'end',
  step,
  status,
  reason,
  durationSeconds: 1,
});

test('a finished log: name, balancer label, step/total, last val loss, MaxVio and the end status', () => {
  const events: TrainerEvent[] = [
    startEvent(0, at(0)),
    stepEvent(1, at(1), 0.9, 800),
    evalEvent(1, 3.5, 0.6),
    stepEvent(2, at(2), 0.4, 1200),
    endEvent(2, 'completed', 'trained 2 steps'),
  ];
  const state = foldEvents(events);
  assert.equal(state.runName, 'tiny');
  assert.equal(state.balancer, 'loss-free+simbal');
  assert.equal(state.totalSteps, 100);
  assert.equal(state.step, 2);
  assert.equal(state.lastValLoss, 3.5);
  // 800 then 1200 tokens/s: total tokens / total step time = 2 / (1/800 + 1/1200) = 960
  assert.equal(recentTokensPerSecond(state), 960);
  assert.equal(averageTokensPerSecond(state), 960);
  assert.equal(state.backend, 'wasm');
  assert.equal(state.startedAt, at(0));
  // The global MaxVio of the last eval wins over a later batch's.
  assert.equal(shownMaxVio(state), 0.6);
  assert.deepEqual(deriveStatus(state, { managed: false, pidAlive: false }), {
    status: 'completed',
    reason: 'trained 2 steps',
  });
});

test('without an eval the last batch MaxVio is shown', () => {
  const state = foldEvents([startEvent(0, at(0)), stepEvent(1, at(1), 0.9), stepEvent(2, at(2), 0.25)]);
  assert.equal(shownMaxVio(state), 0.25);
});

test('no end: running while the trainer lives (here or elsewhere), interrupted when it is gone', () => {
  const state = foldEvents([startEvent(0, at(0), 777), stepEvent(1, at(1), 0.5)]);
  assert.deepEqual(deriveStatus(state, { managed: true, pidAlive: false }), { status: 'running' });
  assert.deepEqual(deriveStatus(state, { managed: false, pidAlive: true }), { status: 'running' });
  const gone = deriveStatus(state, { managed: false, pidAlive: false });
  assert.equal(gone.status, 'interrupted');
  assert.match(gone.reason!, /pid 777/);
  assert.equal(deriveStatus(foldEvents([]), { managed: false, pidAlive: false }).status, 'interrupted');
});

test('a resumed run: the new start reopens the log, its end closes it again', () => {
  const events: TrainerEvent[] = [startEvent(0, at(0)), stepEvent(5, at(5), 0.5), endEvent(5, 'stopped', 'SIGTERM')];
  const state = foldEvents(events);
  assert.equal(deriveStatus(state, { managed: false, pidAlive: false }).status, 'stopped');
  foldEvents([startEvent(5, at(30), 999)], state);
  assert.equal(state.pid, 999);
  assert.equal(state.step, 5);
  assert.equal(state.startedAt, at(0), 'the run started with its first start event');
  assert.equal(deriveStatus(state, { managed: false, pidAlive: true }).status, 'running');
  assert.equal(deriveStatus(state, { managed: false, pidAlive: false }).status, 'interrupted');
  foldEvents([stepEvent(6, at(31), 0.4), endEvent(6, 'diverged', 'loss is NaN at step 6')], state);
  assert.deepEqual(deriveStatus(state, { managed: false, pidAlive: false }), {
    status: 'diverged',
    reason: 'loss is NaN at step 6',
  });
});

test('ETA from the wall-clock pace of this session', () => {
  // Steps 10 → 30 took 40 s: 2 s per step; 100 − 30 = 70 steps left → 140 s.
  const state = foldEvents([
    startEvent(9, at(0)),
    stepEvent(10, at(2), 0.5),
    stepEvent(20, at(22), 0.5),
    stepEvent(30, at(42), 0.5),
  ]);
  assert.equal(etaSeconds(state), 140);
  // One step seen: no pace yet.
  assert.equal(etaSeconds(foldEvents([startEvent(0, at(0)), stepEvent(1, at(1), 0.5)])), undefined);
  // A resume restarts the pace: the pause between sessions does not count.
  foldEvents([startEvent(30, at(500)), stepEvent(31, at(501), 0.5), stepEvent(35, at(503), 0.5)], state);
  // 4 steps in 2 s: 0.5 s per step; 65 left → 32.5 s.
  assert.equal(etaSeconds(state), 32.5);
});

test('tokens/s: the recent window while running, the whole run once ended', () => {
  // 40 slow steps at 100 tokens/s, then 32 fast ones at 1000: the window holds only the fast ones.
  const events: TrainerEvent[] = [startEvent(0, at(0))];
  for (let i = 1; i <= 72; i++) events.push(stepEvent(i, at(i % 60), 0.5, i <= 40 ? 100 : 1000));
  const state = foldEvents(events);
  assert.ok(Math.abs(runPace(state, 'running').tokensPerSecond! - 1000) < 1e-9);
  // over all 72 steps: 72 / (40/100 + 32/1000) = 72 / 0.432
  assert.ok(Math.abs(runPace(state, 'completed').tokensPerSecond! - 72 / 0.432) < 1e-9);
  assert.equal(runPace(state, 'completed').etaSeconds, undefined, 'no ETA once the run is not running');
  assert.deepEqual(runPace(createRunSummary(), 'running'), { tokensPerSecond: undefined, etaSeconds: undefined });
});

test('status: queued and launched runs as the viewer knows them; an outcome only when the log has no end', () => {
  const running = foldEvents([startEvent(0, at(0)), stepEvent(1, at(1), 0.5)]);
  assert.equal(runStatus(running, { queued: true, pidAlive: true }).status, 'queued');
  assert.equal(runStatus(running, { launched: true, pidAlive: false }).status, 'running');
  const killed = { status: 'interrupted' as const, reason: 'killed 20 s after Stop' };
  assert.deepEqual(runStatus(running, { pidAlive: false, outcome: killed }), killed);
  const ended = foldEvents(
    [endEvent(1, 'stopped', 'SIGTERM')],
    foldEvents([startEvent(0, at(0)), stepEvent(1, at(1), 0.5)]),
  );
  assert.deepEqual(runStatus(ended, { pidAlive: false, outcome: killed }), { status: 'stopped', reason: 'SIGTERM' });
});

test('replayed events change nothing, for the summary as for the full state', () => {
  const events: TrainerEvent[] = [
    startEvent(0, at(0)),
    stepEvent(1, at(1), 0.9, 800),
    evalEvent(1, 3.5, 0.6),
    stepEvent(2, at(2), 0.4, 1200),
  ];
  const once = foldEvents(events);
  const twice = foldEvents(events, foldEvents(events));
  assert.deepEqual(twice, once);
});
