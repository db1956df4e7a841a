// In a workspace that is not trusted (restricted mode), existing runs can be viewed, but Start Run is
// refused with an explanation and nothing is trained.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  parseRunDescription,
  runFolders,
  runStartRunOn,
  showMoeLens,
  trainOutsideVsCode,
  vsCodeForTests,
  waitForNotification,
  waitForRun,
} from './harness';

const session = vsCodeForTests({
  name: 'untrusted',
  trust: false,
  // Trust on, and no startup prompt: the folder opens in restricted mode, as after "Don't trust".
  userSettings: { 'security.workspace.trust.startupPrompt': 'never' },
  // A run trained earlier, from a terminal.
  prepare: (workspace) => trainOutsideVsCode(workspace, 'tiny.moe.json', 'tiny-earlier'),
});

test('an untrusted workspace shows its existing runs', { timeout: 120_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).waitFor({ timeout: 60_000 });
  await showMoeLens(page);
  const earlier = await waitForRun(page, 'the earlier run in the Runs view', (item) => item.label === 'tiny');
  const shown = parseRunDescription(earlier.description);
  assert.deepEqual(
    shown && [shown.balancer, shown.step, shown.total, shown.status],
    ['aux-loss', 20, 20, 'completed'],
    earlier.description,
  );
  assert.match(shown?.stamp ?? '', /^\d\d:\d\d:\d\d$/, 'a run trained in a terminal shows the start time of its log');
});

test(
  'Start Run in an untrusted workspace is refused with the reason and a way to trust it',
  { timeout: 120_000 },
  async () => {
    const { vscode, workspace } = session;
    const { page } = vscode;
    await runStartRunOn(page, 'tiny.moe.json');
    const warning = await waitForNotification(page, 'trust this workspace');
    await vscode.screenshot('untrusted-start-refused');
    assert.match(warning, /starting a run executes the trainer/);
    assert.match(warning, /Manage Workspace Trust/, 'the notification offers to manage trust');
    assert.equal(await page.locator('.quick-input-widget').isVisible(), false, 'no balancer pick');
    assert.deepEqual(runFolders(workspace), ['tiny-earlier'], 'no run folder was added');
  },
);
