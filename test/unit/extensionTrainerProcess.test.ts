// The run manager's process layer against the REAL bundled trainer (dist/trainer.js, built by
// `npm test`): events from stdout, stop with SIGTERM, the group kill after the grace period,
// the delayed kill used when the window closes, and a config the trainer rejects.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { RUN_FILES, type TrainerEvent } from '../../protocol/events';
import { readEventLog } from '../../extension/runs/eventLogTail';
import { isTrainerAlive, killGroupsLater } from '../../extension/runs/processTree';
import { createRunSummary, reduceEvents } from '../../protocol/runModel/runState';
import { runStatus } from '../../protocol/runModel/status';
import { TrainerProcess, type TrainerLaunch } from '../../extension/runs/trainerProcess';

const trainerScript = resolve('dist/trainer.js');
const tinyConfig = resolve('examples/tiny.moe.json');
const work = mkdtempSync(join(tmpdir(), 'moe-trainer-process-'));
after(() => rmSync(work, { recursive: true, force: true }));

let runs = 0;
function launch(args: (out: string) => string[]): { launch: TrainerLaunch; out: string } {
  const out = join(work, `run-${++runs}`);
  return {
    out,
    launch: {
      nodePath: process.execPath,
      trainerScript,
      args: args(out),
      cwd: work,
      runDir: out,
      env: process.env,
      logFile: join(work, `run-${runs}.log`),
    },
  };
}

/** Starts the trainer; `trained` resolves once it has reached step `stepReached`. */
function startTrainer(args: (out: string) => string[], stepReached = 1) {
  const { launch: l, out } = launch(args);
  const events: TrainerEvent[] = [];
  let onStep: () => void = () => undefined;
  const trained = new Promise<void>((resolve) => (onStep = resolve));
  const trainer = new TrainerProcess(l, {
    onEvent: (event) => {
      events.push(event);
      if (event.type === 'step' && event.step >= stepReached) onStep();
    },
  });
  return { trainer, events, out, logFile: l.logFile, trained };
}

const longRun = (out: string) => ['--config', tinyConfig, '--out', out, '--steps', '100000'];

test("a tiny run: stdout events are exactly the log's, exit 0, stderr kept in the log file", async () => {
  const { trainer, events, out, logFile } = startTrainer((o) => ['--config', tinyConfig, '--out', o]);
  const exit = await trainer.exited;
  assert.equal(exit.code, 0, exit.lastStderr.join('\n'));
  assert.equal(exit.killedAfterGrace, false);
  const logged = await readEventLog(join(out, RUN_FILES.events));
  assert.deepEqual(events, logged.events);
  assert.deepEqual(logged.problems, []);
  const state = reduceEvents(events, createRunSummary());
  assert.equal(state.step, 20);
  assert.equal(runStatus(state, { pidAlive: false }).status, 'completed');
  assert.ok(readFileSync(logFile, 'utf8').length > 0, 'trainer stderr is written to the run log');
  assert.equal(isTrainerAlive(trainer.pid), false);
});

test('stop: SIGTERM mid-run ends the run "stopped" with a checkpoint, within the grace period', async () => {
  const { trainer, events, out, trained } = startTrainer(longRun, 5);
  await trained;
  assert.equal(isTrainerAlive(trainer.pid), true);
  const exit = await trainer.stop(60_000);
  assert.equal(exit.code, 0, exit.lastStderr.join('\n'));
  assert.equal(exit.killedAfterGrace, false);
  const end = events.at(-1);
  assert.equal(end?.type === 'end' && end.status, 'stopped');
  assert.ok(existsSync(join(out, RUN_FILES.checkpoint)), 'a checkpoint to resume from');
  assert.equal(isTrainerAlive(trainer.pid), false);
});

test("a stop with a reason (the window closing): the end event gives it instead of 'by you'", async () => {
  const { trainer, events, out, trained } = startTrainer(longRun);
  await trained;
  const exit = await trainer.stop(60_000, 'VS Code closed or reloaded the window');
  assert.equal(exit.code, 0, exit.lastStderr.join('\n'));
  const end = events.at(-1);
  assert.equal(end?.type, 'end');
  assert.equal(
    end.type === 'end' && end.reason,
    `stopped because VS Code closed or reloaded the window (SIGTERM) at step ${end.step}, checkpoint saved`,
  );
  assert.equal(existsSync(join(out, RUN_FILES.stopReason)), false, 'the reason answered this stop only');
});

test('a trainer still there after the grace period is killed with its process group: the log is left without an end', async () => {
  const { trainer, out, trained } = startTrainer(longRun);
  await trained;
  const exit = await trainer.stop(1);
  assert.equal(exit.killedAfterGrace, true);
  assert.equal(exit.signal, 'SIGKILL');
  const state = reduceEvents((await readEventLog(join(out, RUN_FILES.events))).events, createRunSummary());
  assert.equal(runStatus(state, { pidAlive: isTrainerAlive(state.pid) }).status, 'interrupted');
});

test('window closing: the detached delayed kill takes the trainer down even without this process', async () => {
  const { trainer, trained } = startTrainer(longRun);
  await trained;
  killGroupsLater([trainer.pid!], 200);
  const exit = await trainer.exited;
  assert.equal(exit.signal, 'SIGKILL');
});

test('a config the trainer rejects: exit 2 and a line naming the JSON path', async () => {
  const config = join(work, 'missing-data.moe.json');
  writeFileSync(config, JSON.stringify({ name: 'bad', data: { files: ['no-such-file.txt'] } }));
  const { trainer, out } = startTrainer((o) => ['--config', config, '--out', o]);
  const exit = await trainer.exited;
  assert.equal(exit.code, 2);
  assert.ok(
    exit.lastStderr.some((line) => line.includes('$.data.files[0]')),
    exit.lastStderr.join('\n'),
  );
  assert.equal(existsSync(join(out, RUN_FILES.events)), false, 'nothing written');
});

test('a Node that cannot be spawned: the exit says why', async () => {
  const { launch: l } = launch((o) => ['--out', o]);
  const trainer = new TrainerProcess({ ...l, nodePath: join(work, 'no-such-node') }, { onEvent: () => undefined });
  const exit = await trainer.exited;
  assert.match(exit.spawnError ?? '', /ENOENT/);
});

test(
  'liveness: only a live trainer process counts (not this test process, not a missing pid)',
  { skip: process.platform !== 'linux' },
  () => {
    assert.equal(isTrainerAlive(process.pid), false, 'a live process that is not a trainer (a reused pid)');
    assert.equal(isTrainerAlive(undefined), false);
    assert.equal(isTrainerAlive(0), false);
    assert.equal(isTrainerAlive(2 ** 22 + 1), false, 'above the largest Linux pid');
  },
);
