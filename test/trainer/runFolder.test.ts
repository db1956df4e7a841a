// Run folders under hostile or unlucky conditions (issue 11): --out never destroys what it did not
// write, a run folder has one writer at a time (a lock a crash does not leave stale), a torn last
// line is ended before appending, and a resume checks the checkpoint before it touches anything.
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, truncateSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { proveTrainer } from '../../extension/runs/processTree';
import { processStartTime, RUN_TOKEN_ENV } from '../../nodeio/processIdentity';
import { parseEventLine } from '../../protocol/events';
import { ofType, readEvents, runTrainer, tempDir, TINY, TRAINER, writeTinyConfig } from './helpers';

function expectUsageError(args: string[], pattern: RegExp): string {
  const result = runTrainer(args);
  assert.equal(result.code, 2, `exit code 2; stderr: ${result.stderr}`);
  assert.match(result.stderr, pattern);
  assert.doesNotMatch(result.stderr, /\n\s+at /, 'no stack trace');
  assert.equal(result.stdout, '', 'no events');
  return result.stderr;
}

/** A completed tiny run of `steps` steps in dir/run. */
function completedRun(dir: string, steps = 20): string {
  const runDir = join(dir, 'run');
  const result = runTrainer([
    '--config',
    writeTinyConfig(dir, 'run.moe.json', { training: { steps } }),
    '--out',
    runDir,
  ]);
  assert.equal(result.code, 0, result.stderr);
  return runDir;
}

const snapshot = (runDir: string) =>
  Object.fromEntries(
    ['events.jsonl', 'config.json', 'checkpoint/state.json'].map((f) => [f, readFileSync(join(runDir, f), 'utf8')]),
  );

test('--out naming a folder that is not a run is refused, and nothing in it is changed', () => {
  const dir = tempDir('out-foreign');
  const out = join(dir, 'project');
  mkdirSync(join(out, 'checkpoint'), { recursive: true });
  writeFileSync(join(out, 'checkpoint', 'weights.bin'), 'precious');
  writeFileSync(join(out, 'config.json'), '{"mine": true}\n');
  expectUsageError(
    ['--config', TINY, '--out', out],
    /--out .*project: the folder exists and is not empty \(checkpoint, config\.json\)/,
  );
  assert.equal(readFileSync(join(out, 'checkpoint', 'weights.bin'), 'utf8'), 'precious');
  assert.equal(readFileSync(join(out, 'config.json'), 'utf8'), '{"mine": true}\n');
  assert.deepEqual(readdirSync(out).sort(), ['checkpoint', 'config.json']);
});

test('--out naming a file, a FIFO, or a folder under /proc: a clear refusal, at once', () => {
  const dir = tempDir('out-odd');
  const file = join(dir, 'notes.txt');
  writeFileSync(file, 'keep me');
  expectUsageError(['--config', TINY, '--out', file], /--out .*notes\.txt: is a regular file, not a folder/);
  assert.equal(readFileSync(file, 'utf8'), 'keep me');
  const fifo = join(dir, 'pipe');
  spawnSync('mkfifo', [fifo]);
  expectUsageError(['--config', TINY, '--out', fifo], /--out .*pipe: is a FIFO \(named pipe\), not a folder/);
  if (process.platform === 'linux') {
    const started = Date.now();
    expectUsageError(
      ['--config', TINY, '--out', '/proc/moe-lens/run'],
      /--out \/proc\/moe-lens\/run: cannot create \/proc\/moe-lens/,
    );
    assert.ok(Date.now() - started < 20_000, 'returns at once');
  }
});

test('a config that is a device or a FIFO is refused without reading it', () => {
  const dir = tempDir('config-odd');
  if (process.platform === 'linux') {
    expectUsageError(
      ['--config', '/dev/zero', '--out', join(dir, 'a')],
      /\/dev\/zero: the run config is a character device, expected a regular file/,
    );
  }
  const fifo = join(dir, 'config.moe.json');
  spawnSync('mkfifo', [fifo]);
  expectUsageError(
    ['--config', fifo, '--out', join(dir, 'b')],
    /config\.moe\.json: the run config is a FIFO \(named pipe\), expected a regular file/,
  );
  assert.equal(existsSync(join(dir, 'a')) || existsSync(join(dir, 'b')), false, 'nothing written');
});

test('a data file too large to hold in memory is a config problem, not a crash', () => {
  const dir = tempDir('data-big');
  const big = join(dir, 'big.txt');
  writeFileSync(big, '');
  truncateSync(big, 600 * 1024 * 1024); // sparse: no disk used
  const config = writeTinyConfig(dir, 'big.moe.json', { data: { files: ['big.txt'] } });
  expectUsageError(
    ['--config', config, '--out', join(dir, 'run')],
    /big\.moe\.json: \$\.data\.files\[0\]: the data files come to 600 MiB with .*big\.txt, more than the 256 MiB/,
  );
});

test('a torn last line (a crash mid-write) is ended before a resumed trainer appends its start event', () => {
  const dir = tempDir('torn');
  const runDir = completedRun(dir, 10);
  const torn = '{"v":1,"time":"2026-01-01T00:00:00.000Z","type":"step","st';
  writeFileSync(join(runDir, 'events.jsonl'), torn, { flag: 'a' });
  const resumed = runTrainer(['--resume', runDir, '--steps', '12']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const lines = readFileSync(join(runDir, 'events.jsonl'), 'utf8').split('\n');
  const tornAt = lines.indexOf(torn);
  assert.ok(tornAt > 0, 'the torn line stays a line of its own');
  const next = parseEventLine(lines[tornAt + 1]);
  assert.equal(next?.type, 'start');
  assert.equal(next?.step, 10);
  assert.equal(ofType(readEvents2(lines.slice(tornAt + 1)), 'end').at(-1)?.status, 'completed');
});

function readEvents2(lines: string[]) {
  return lines.map((line) => parseEventLine(line)).filter((e) => e !== undefined);
}

test('resume from checkpoint.old alone (a crash between the two renames of a checkpoint swap)', () => {
  const dir = tempDir('old');
  const runDir = completedRun(dir, 10);
  renameSync(join(runDir, 'checkpoint'), join(runDir, 'checkpoint.old'));
  mkdirSync(join(runDir, 'checkpoint.tmp-999999'));
  writeFileSync(join(runDir, 'checkpoint.tmp-999999', 'weights.bin'), 'half');
  const resumed = runTrainer(['--resume', runDir, '--steps', '12']);
  assert.equal(resumed.code, 0, resumed.stderr);
  const start = ofType(readEvents(runDir), 'start').at(-1)!;
  assert.equal(start.step, 10);
  assert.equal(start.resumedFrom, 'checkpoint.old');
  assert.deepEqual(
    readdirSync(runDir).filter((n) => n.startsWith('checkpoint')),
    ['checkpoint'],
    'no checkpoint.tmp-<pid> or .old left',
  );
});

test('a truncated checkpoint: resume refuses with a clear message and changes nothing', () => {
  const dir = tempDir('truncated');
  const runDir = completedRun(dir, 10);
  const before = snapshot(runDir);
  truncateSync(join(runDir, 'checkpoint', 'weights.bin'), 100);
  const stderr = expectUsageError(
    ['--resume', runDir, '--steps', '15'],
    /cannot continue from .*checkpoint: .*weights\.bin: 100 bytes, expected \d+ .*nothing was changed/,
  );
  assert.doesNotMatch(stderr, /trainer: /);
  assert.deepEqual(snapshot(runDir), before, 'config.json, events.jsonl and state.json as they were (no "end failed")');
  assert.equal(existsSync(join(runDir, 'trainer.lock')), false, 'lock released');
});

test('a changed model shape in config.json: resume refuses, naming the parameter', () => {
  const dir = tempDir('shape');
  const runDir = completedRun(dir, 10);
  const config = JSON.parse(readFileSync(join(runDir, 'config.json'), 'utf8')) as { model: { expertHidden: number } };
  config.model.expertHidden = 24;
  writeFileSync(join(runDir, 'config.json'), JSON.stringify(config));
  const events = readFileSync(join(runDir, 'events.jsonl'), 'utf8');
  expectUsageError(
    ['--resume', runDir, '--steps', '15'],
    /model\.json: \$\.params\[\d+\] is block0\.expert0\.w1 \[16, 16\], the model expects block0\.expert0\.w1 \[16, 24\]/,
  );
  assert.equal(readFileSync(join(runDir, 'events.jsonl'), 'utf8'), events);
});

test('a corrupt state.json: its path and what is wrong, no stack', () => {
  const dir = tempDir('state');
  const runDir = completedRun(dir, 10);
  writeFileSync(join(runDir, 'checkpoint', 'state.json'), '{"version": 1, "step": ');
  expectUsageError(['--resume', runDir, '--steps', '15'], /checkpoint\/state\.json: not valid JSON/);
  writeFileSync(join(runDir, 'checkpoint', 'state.json'), '{"version": 1, "step": "ten"}');
  expectUsageError(
    ['--resume', runDir, '--steps', '15'],
    /checkpoint\/state\.json: not a checkpoint state written by this trainer: \$\.step: expected a step count, got "ten"/,
  );
});

/** Starts a trainer and resolves once its stdout shows a checkpoint event. */
function startUntilCheckpoint(args: string[], env: NodeJS.ProcessEnv = {}) {
  const child = spawn(process.execPath, [TRAINER, ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  });
  let stdout = '';
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
  const checkpointed = new Promise<void>((resolve, reject) => {
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (stdout.includes('"type":"checkpoint"')) resolve();
    });
    void exited.then(() => reject(new Error(`trainer exited before a checkpoint: ${stderr}`)));
  });
  return { child, checkpointed, exited };
}

test('one writer per run folder: a second trainer is refused while the first runs; after kill -9 the lock is stale and taken over', async () => {
  const dir = tempDir('lock');
  const config = writeTinyConfig(dir, 'run.moe.json', {
    training: { steps: 100000, checkpointEvery: 1, evalEvery: 100000 },
  });
  const runDir = join(dir, 'run');
  const first = startUntilCheckpoint(['--config', config, '--out', runDir]);
  try {
    await first.checkpointed;
    expectUsageError(['--resume', runDir], /another trainer \(pid \d+, since .*\) is writing this run/);
    expectUsageError(['--analyse', runDir], /another trainer \(pid \d+, since .*\) is writing this run/);
  } finally {
    first.child.kill('SIGKILL');
  }
  await first.exited;
  assert.ok(existsSync(join(runDir, 'trainer.lock')), 'kill -9 leaves the lock behind');
  const resumed = runTrainer([
    '--resume',
    runDir,
    '--steps',
    String(ofType(readEvents(runDir), 'checkpoint').at(-1)!.step + 2),
  ]);
  assert.equal(resumed.code, 0, resumed.stderr);
  assert.equal(ofType(readEvents(runDir), 'end').at(-1)?.status, 'completed');
  assert.equal(existsSync(join(runDir, 'trainer.lock')), false, 'released at the end');
});

test(
  "the start event proves who the trainer is: its process start time and the launcher's run token",
  { skip: process.platform !== 'linux' },
  async () => {
    const dir = tempDir('identity');
    const config = writeTinyConfig(dir, 'run.moe.json', {
      training: { steps: 100000, checkpointEvery: 1, evalEvery: 100000 },
    });
    const runDir = join(dir, 'run');
    const trainer = startUntilCheckpoint(['--config', config, '--out', runDir], { [RUN_TOKEN_ENV]: 'run-token-42' });
    try {
      await trainer.checkpointed;
      const start = ofType(readEvents(runDir), 'start')[0];
      assert.equal(start.pid, trainer.child.pid);
      assert.equal(start.processStartTime, processStartTime(trainer.child.pid!));
      assert.equal(start.runToken, 'run-token-42');
      const logFile = join(runDir, 'events.jsonl');
      assert.deepEqual(
        proveTrainer({ pid: start.pid, startTime: start.processStartTime, token: start.runToken, logFile }),
        { proven: true },
      );
      assert.equal(
        proveTrainer({
          pid: start.pid,
          startTime: start.processStartTime,
          token: 'guess',
          logFile: join(dir, 'elsewhere.jsonl'),
        }).proven,
        false,
      );
    } finally {
      trainer.child.kill('SIGKILL');
    }
    await trainer.exited;
  },
);
