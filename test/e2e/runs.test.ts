// A user's runs in a real VS Code: start a run on the example tiny config from the palette and watch
// it complete; start a long one and stop it; compare the two runs' configs; close the window while
// a run trains and no trainer outlives it.
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  parseRunDescription,
  pickQuickItem,
  processRuns,
  quickPickLabels,
  recordRunsTree,
  runCommand,
  runCommandShowing,
  runEvents,
  runFolders,
  runsTreeHistory,
  showMoeLens,
  startRunFromPalette,
  tinyVariant,
  vsCodeForTests,
  waitFor,
  waitForRun,
} from './harness';

const session = vsCodeForTests({
  name: 'runs',
  trust: true,
  // Long enough to be stopped while it trains.
  files: { 'long.moe.json': tinyVariant('long', { training: { steps: 100_000, evalEvery: 50, checkpointEvery: 0 } }) },
  // The runs' lifecycle without their dashboards opening by themselves (test/e2e/dashboard tests that).
  userSettings: { 'moeLens.openDashboardOnStart': false },
});

const folderOf = (prefix: string) => runFolders(session.workspace).find((name) => name.startsWith(prefix));

/** Starts long.moe.json with `balancer` and waits until it has trained a step. */
async function startLongRun(page: Page, balancer: string): Promise<void> {
  await startRunFromPalette(page, 'long.moe.json', balancer);
  await waitForRun(page, `the long ${balancer} run to train`, (item) => {
    const shown = parseRunDescription(item.description);
    return item.label === 'long' && shown?.balancer === balancer && shown.status === 'running' && shown.step > 0;
  });
}

test(
  'Start Run on the tiny example: the run goes from running to completed in the Runs view',
  { timeout: 180_000 },
  async () => {
    const { vscode, workspace } = session;
    const { page } = vscode;
    await showMoeLens(page);
    await recordRunsTree(page);
    await startRunFromPalette(page, 'tiny.moe.json', 'loss-free');
    const done = await waitForRun(
      page,
      'the tiny run to complete',
      (item) => item.label === 'tiny' && item.description.endsWith('completed'),
    );
    await vscode.screenshot('runs-a-tiny-completed');

    const shown = parseRunDescription(done.description);
    assert.deepEqual(
      { ...shown, stamp: undefined, shortId: undefined },
      { balancer: 'loss-free', step: 20, total: 20, status: 'completed', stamp: undefined, shortId: undefined },
    );
    assert.match(shown?.stamp ?? '', /^\d\d:\d\d:\d\d$/, `the run shows its start time: ${done.description}`);
    assert.deepEqual(done.icon, ['pass'], 'a completed run has the pass icon');
    const history = (await runsTreeHistory(page)).filter((item) => item.label === 'tiny');
    const running = history.find((item) => parseRunDescription(item.description)?.status === 'running');
    assert.ok(running, `the tree showed the run running before completed; it showed: ${JSON.stringify(history)}`);
    assert.ok(running.icon.includes('loading'), `a running run spins: ${JSON.stringify(running)}`);

    // A click on the finished run in the Runs tree (grouped under its config) opens its dashboard.
    const dashboardTab = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: tiny/ });
    assert.equal(await dashboardTab.count(), 0, 'with moeLens.openDashboardOnStart off, Start Run opened no dashboard');
    const row = page.locator('.part.sidebar .monaco-list-row', {
      has: page.locator('.label-name', { hasText: /^tiny$/ }),
    });
    await row.click();
    await dashboardTab.waitFor({ state: 'visible', timeout: 30_000 });
    assert.equal(
      await page.locator('.part.sidebar .monaco-list-row .label-name', { hasText: /^tiny\.moe\.json$/ }).count(),
      1,
      'a group row for tiny.moe.json',
    );
    await vscode.screenshot('runs-a-click-opens-dashboard');

    // The balancer picked in the quick pick is the one the trainer ran with.
    const folder = folderOf('tiny-loss-free-');
    assert.ok(folder, `a run folder tiny-loss-free-* in ${runFolders(workspace).join(', ')}`);
    const start = runEvents(workspace, folder).find((event) => event.type === 'start');
    assert.deepEqual(start?.type === 'start' && start.config.balancer.methods, ['loss-free']);
  },
);

test(
  'Start Run on a long config, then Stop Run: the run ends stopped with a checkpoint',
  { timeout: 180_000 },
  async () => {
    const { vscode, workspace } = session;
    const { page } = vscode;
    await startLongRun(page, 'aux-loss');
    await vscode.screenshot('runs-b-long-running');

    await runCommandShowing(page, 'MoE Lens: Stop Run', 'long');
    const offered = await quickPickLabels(page);
    assert.deepEqual(offered, ['long'], 'Stop Run offers the running run only');
    await pickQuickItem(page, 'long');
    // Stop: SIGTERM, the trainer finishes its step and checkpoints; killed only after the 20 s grace period.
    const stopped = await waitForRun(
      page,
      'the long run to be stopped',
      (item) => item.label === 'long' && item.description.endsWith('stopped'),
      60_000,
    );
    await vscode.screenshot('runs-b-long-stopped');

    assert.deepEqual(stopped.icon, ['debug-stop']);
    const shown = parseRunDescription(stopped.description);
    assert.ok(shown && shown.step > 0 && shown.step < 100_000, `stopped part-way: ${stopped.description}`);
    const folder = folderOf('long-aux-loss-');
    assert.ok(folder);
    const end = runEvents(workspace, folder).at(-1);
    assert.equal(end?.type === 'end' && end.status, 'stopped');
    assert.match(end?.type === 'end' ? end.reason : '', /^stopped by you \(SIGTERM\) at step \d+, checkpoint saved$/);
    assert.ok(
      existsSync(join(workspace, '.moe-runs', folder, 'checkpoint')),
      'a stopped run keeps a checkpoint to resume from',
    );

    // The stopped run's dashboard says why in words and offers Resume; Resume trains on from the
    // checkpoint, and the dashboard's Stop stops it again.
    await page
      .locator('.part.sidebar .monaco-list-row', { has: page.locator('.label-name', { hasText: /^long$/ }) })
      .click();
    const dashboard = await waitFor('the long run’s dashboard offering Resume', async () => {
      for (const frame of page.frames())
        if (
          await frame
            .locator('#resume-run')
            .isVisible()
            .catch(() => false)
        )
          return frame;
      return undefined;
    });
    const stats = await waitFor('the stop reason in the header', async () => {
      const text = await dashboard.locator('.stats').innerText();
      return /stopped by you \(SIGTERM\) at step \d+, checkpoint saved/.test(text) && text;
    });
    assert.ok(stats);
    assert.equal(await dashboard.locator('#stop-run').isVisible(), false, 'no Stop on a stopped run');
    await vscode.screenshot('runs-b-stopped-dashboard');
    await dashboard.locator('#resume-run').click();
    await waitForRun(page, 'the long run to train again', (item) => {
      const again = parseRunDescription(item.description);
      return item.label === 'long' && again?.status === 'running' && again.step > (shown?.step ?? 0);
    });
    await dashboard.locator('#stop-run').click();
    await waitForRun(
      page,
      'the resumed run to be stopped',
      (item) => item.label === 'long' && item.description.endsWith('stopped'),
      60_000,
    );
  },
);

test(
  'Compare Run Configs on the two runs opens a diff editor titled with both runs',
  { timeout: 120_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    const tiny = folderOf('tiny-loss-free-');
    const long = folderOf('long-aux-loss-');
    assert.ok(tiny && long, 'both runs exist');
    // The earlier tests left configs and dashboards open in two editor groups: start from one.
    await runCommand(page, 'View: Close All Editor Groups');
    await runCommandShowing(page, 'MoE Lens: Compare Run Configs', 'tiny');
    await pickQuickItem(page, 'tiny');
    await pickQuickItem(page, 'long');
    const title = `${tiny} ↔ ${long}`;
    const tab = page.locator('.tabs-container .tab.active', { hasText: title });
    await tab.waitFor({ state: 'visible', timeout: 30_000 });
    const diff = page.locator('.editor-instance .monaco-diff-editor');
    await diff.waitFor({ state: 'visible', timeout: 30_000 });
    // The configs differ in name, steps and balancer: the diff marks changed lines on both sides.
    await waitFor(
      'changed lines in the diff',
      async () => (await diff.locator('.line-delete, .line-insert, .char-delete, .char-insert').count()) > 0,
    );
    const modified = await diff.locator('.editor.modified .view-lines').innerText();
    assert.match(modified, /"long"/, 'the right side is the long run config');
    await vscode.screenshot('runs-c-compare-configs');
  },
);

test('Closing VS Code while a run trains stops the run; no trainer outlives it', { timeout: 180_000 }, async () => {
  const { vscode, workspace } = session;
  const { page } = vscode;
  await runCommand(page, 'View: Close All Editor Groups');
  await startLongRun(page, 'simbal');
  const folder = folderOf('long-simbal-');
  assert.ok(folder);
  const start = runEvents(workspace, folder).find((event) => event.type === 'start');
  const trainerPid = start?.type === 'start' ? start.pid : undefined;
  assert.ok(trainerPid, 'the start event names the trainer pid');

  const killed = await vscode.close();
  assert.deepEqual(killed, [], 'every process of VS Code and its trainers exited by itself after SIGTERM');
  assert.equal(processRuns(trainerPid), false, 'the trainer process is gone');
  const end = runEvents(workspace, folder).at(-1);
  assert.equal(end?.type === 'end' && end.status, 'stopped', 'the trainer ended the run as stopped');
});
