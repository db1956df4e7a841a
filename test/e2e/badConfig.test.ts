// A broken run config (topK larger than the number of experts): Start Run shows an error naming the
// file and the JSON path, and starts nothing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { runFolders, runStartRunOn, tinyVariant, vsCodeForTests, waitForNotification } from './harness';

const session = vsCodeForTests({
  name: 'bad-config',
  trust: true,
  files: { 'broken.moe.json': tinyVariant('broken', { model: { experts: 4, topK: 8 } }) },
});

test('Start Run on a config with topK > experts: an error names the file and $.model.topK; no run starts', { timeout: 120_000 }, async () => {
  const { vscode, workspace } = session;
  const { page } = vscode;
  await runStartRunOn(page, 'broken.moe.json');
  const error = await waitForNotification(page, '$.model.topK');
  await vscode.screenshot('bad-config-error');
  assert.match(error, /broken\.moe\.json/, `the message names the file: ${error}`);
  assert.match(error, /at most model\.experts \(4\), got 8/, `the message says what is expected: ${error}`);
  assert.equal(await page.locator('.quick-input-widget').isVisible(), false, 'no balancer pick for a config that cannot run');
  assert.deepEqual(runFolders(workspace), [], 'no run folder was created');
});
