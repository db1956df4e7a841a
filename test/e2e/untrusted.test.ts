// In a workspace that is not trusted (restricted mode), Start Run is refused with an explanation,
// and nothing is trained.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import {
  ensureVsCodeInstalled,
  makeWorkspace,
  openFile,
  openVsCode,
  runCommand,
  runFolders,
  waitForNotification,
  type VsCode,
} from './harness';

let vscode: VsCode;
let workspace: string;

before(async () => {
  await ensureVsCodeInstalled();
  workspace = await makeWorkspace('untrusted');
  // Trust on, and no startup prompt: the folder opens in restricted mode, as after "Don't trust".
  vscode = await openVsCode({ name: 'untrusted', workspace, trust: false, userSettings: { 'security.workspace.trust.startupPrompt': 'never' } });
}, { timeout: 600_000 });

after(async () => {
  await vscode?.close();
});

test('Start Run in an untrusted workspace is refused with the reason and a way to trust it', { timeout: 120_000 }, async () => {
  const { page } = vscode;
  await page.locator('.statusbar-item', { hasText: 'Restricted Mode' }).waitFor({ timeout: 60_000 });
  await openFile(page, 'tiny.moe.json');
  await runCommand(page, 'MoE Lens: Start Run');
  const warning = await waitForNotification(page, 'trust this workspace');
  await vscode.screenshot('untrusted-start-refused');
  assert.match(warning, /starting a run executes the trainer/);
  assert.match(warning, /Manage Workspace Trust/, 'the notification offers to manage trust');
  assert.equal(await page.locator('.quick-input-widget').isVisible(), false, 'no balancer pick');
  assert.deepEqual(runFolders(workspace), [], 'no run folder was created');
});
