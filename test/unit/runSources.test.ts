// Which folders are runs (an events.jsonl, or Megatron-LM routing files), and which subfolders of a root are.
import assert from 'node:assert/strict';
import { cpSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { runFolderKind, runsIn, runEventReader } from '../../extension/runs/runSources';

const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'megatron', 'megatron-run');

test('a root lists its run subfolders of both kinds, and is not a run itself', async () => {
  const root = mkdtempSync(join(tmpdir(), 'moe-lens-roots-'));
  mkdirSync(join(root, 'logged'));
  writeFileSync(join(root, 'logged', 'events.jsonl'), '');
  cpSync(FIXTURE, join(root, 'megatron'), { recursive: true });
  mkdirSync(join(root, 'checkpoints'));
  writeFileSync(join(root, 'notes.txt'), 'not a run');
  assert.deepEqual(runsIn(root).sort(), ['logged', 'megatron']);
  assert.equal(runFolderKind(root), undefined);
  assert.equal(runFolderKind(join(root, 'logged')), 'events');
  assert.equal(runFolderKind(join(root, 'megatron')), 'megatron');
  assert.deepEqual(runsIn(join(root, 'missing')), []);
  const source = runEventReader(join(root, 'megatron'), 'megatron');
  assert.ok(source.quietSeconds() >= 0);
  const { events } = await source.read(true);
  assert.equal(events.length, 25); // start + 24 steps
  rmSync(root, { recursive: true, force: true });
});
