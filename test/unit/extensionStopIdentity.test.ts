// Stop signals a process it did not start only when the log proves the process is the run's trainer
// (issue 11, item 9): same start time as the start event names, and the run's token in its environment
// or the run's log open. A crafted log naming any other live pid (here: this test's own process, or a
// real process with the wrong token) is refused with the reason.
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { processStartTime, RUN_TOKEN_ENV } from '../../nodeio/processIdentity';
import { isTrainerAlive, proveTrainer } from '../../extension/runs/processTree';

const linux = process.platform === 'linux';

/** A live process holding `openFile` open, started with `env`. */
async function holder(openFile: string, env: NodeJS.ProcessEnv) {
  const child = spawn(
    process.execPath,
    ['-e', "require('fs').openSync(process.argv[1], 'a'); console.log('open'); setInterval(() => {}, 1000)", openFile],
    {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
  return child;
}

test(
  'a process with the run token in its environment and the start time of the log is proven; anything else is not',
  { skip: !linux },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-lens-identity-'));
    const log = join(dir, 'events.jsonl');
    const other = join(dir, 'other.jsonl');
    writeFileSync(log, '');
    writeFileSync(other, '');
    const child = await holder(other, { [RUN_TOKEN_ENV]: 'token-1' });
    try {
      const pid = child.pid!;
      const startTime = processStartTime(pid);
      assert.ok(startTime, 'a start time on Linux');
      assert.deepEqual(proveTrainer({ pid, startTime, token: 'token-1', logFile: log }), { proven: true });
      assert.match(
        (proveTrainer({ pid, startTime, token: 'forged', logFile: log }) as { why: string }).why,
        /neither carries the run's token nor has its event log open/,
      );
      assert.match(
        (
          proveTrainer({ pid, startTime: String(Number(startTime) + 1), token: 'token-1', logFile: log }) as {
            why: string;
          }
        ).why,
        /another process now/,
      );
      assert.match(
        (proveTrainer({ pid, token: 'token-1', logFile: log }) as { why: string }).why,
        /does not name the start time/,
      );
      assert.deepEqual(
        proveTrainer({ pid, startTime, logFile: other }),
        { proven: true },
        'a trainer from a terminal: its log is open',
      );
      assert.equal(isTrainerAlive(pid, String(Number(startTime) + 1)), false, 'a reused pid is not the trainer');
    } finally {
      child.kill('SIGKILL');
    }
  },
);

test(
  'a crafted log naming an unrelated live process (this one, with its true start time) is refused',
  { skip: !linux },
  () => {
    const log = join(mkdtempSync(join(tmpdir(), 'moe-lens-crafted-')), 'events.jsonl');
    writeFileSync(log, '');
    const result = proveTrainer({
      pid: process.pid,
      startTime: processStartTime(process.pid),
      token: 'whatever',
      logFile: log,
    });
    assert.equal(result.proven, false);
    assert.equal(proveTrainer({ pid: 0, logFile: log }).proven, false);
    assert.equal(proveTrainer({ pid: 2 ** 22 + 12345, startTime: '1', logFile: log }).proven, false, 'no such pid');
  },
);
