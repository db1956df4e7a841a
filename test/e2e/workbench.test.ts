// MoE Lens is installed in a real VS Code: its activity bar container holds the Runs and Routing
// views, and its commands are in the command palette.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pickQuickItem, quickPickLabels, runCommandShowing, showMoeLens, vsCodeForTests, waitFor } from './harness';

const session = vsCodeForTests({ name: 'workbench', trust: true });

test('the MoE Lens container shows the Runs and Routing views', { timeout: 120_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await showMoeLens(page);
  const headers = await waitFor('the Runs and Routing view headers', async () => {
    const titles = await page.locator('.part.sidebar .pane-header .title').allInnerTexts();
    const upper = titles.map((t) => t.trim().toUpperCase());
    return upper.includes('RUNS') && upper.includes('ROUTING') && upper;
  });
  assert.ok(headers.includes('RUNS'));
  await vscode.screenshot('workbench-moe-lens-container');
});

test('the MoE Lens commands are in the command palette', { timeout: 120_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  const wanted = ['Start Run', 'Stop Run', 'Resume Run', 'Open Dashboard', 'Compare Run Configs', 'New Run Config'];
  const labels = await waitFor(
    'the MoE Lens commands in the palette',
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').fill('>MoE Lens: ');
      const shown = await quickPickLabels(page);
      return wanted.every((title) => shown.some((label) => label.includes(`MoE Lens: ${title}`))) && shown;
    },
    { timeoutMs: 90_000, intervalMs: 1_000 },
  );
  await vscode.screenshot('workbench-palette');
  await page.keyboard.press('Escape');
  // Commands hidden from the palette on purpose (they need a tree item) stay hidden.
  assert.ok(!labels.some((label) => label.includes('Reveal in Explorer')), `palette shows: ${labels.join(', ')}`);
});

test(
  'the walkthrough: open an example, start a run, read the dashboard, compare two balancers',
  { timeout: 120_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    await runCommandShowing(page, 'Welcome: Open Walkthrough...', 'Get started with MoE Lens');
    await pickQuickItem(page, 'Get started with MoE Lens');
    const walkthrough = page.locator('.gettingStartedContainer');
    await walkthrough
      .locator('.getting-started-step', { hasText: 'Start a run' })
      .waitFor({ state: 'visible', timeout: 30_000 });
    const steps = await walkthrough.locator('.getting-started-step .step-title').allInnerTexts();
    assert.deepEqual(
      steps.map((s) => s.trim()),
      ['Open an example run config', 'Start a run', 'Read the dashboard', 'Compare two balancers'],
    );
    await walkthrough.locator('.getting-started-step .step-title', { hasText: 'Read the dashboard' }).click();
    const expanded = walkthrough.locator('.getting-started-step.expanded');
    await waitFor('the dashboard step opened', async () =>
      (await expanded.innerText().catch(() => '')).includes('Loss, MaxVio, PES'),
    );
    await vscode.screenshot('workbench-walkthrough');
    // Its Start Run button runs the command: Start Run asks for a config. A clicked step takes the focus
    // after its slide animation: a quick pick opened before that loses the focus and closes.
    await walkthrough.locator('.getting-started-step .step-title', { hasText: 'Start a run' }).click();
    await waitFor('the Start a run step expanded and focused', () =>
      walkthrough
        .locator('.getting-started-step.expanded', { hasText: 'Start a run' })
        .evaluate((step) => step === document.activeElement)
        .catch(() => false),
    );
    await walkthrough.getByRole('button', { name: 'Start Run' }).click();
    const offered = await quickPickLabels(page);
    assert.ok(offered.includes('loss-free.moe.json'), `Start Run offers the example configs: ${offered.join(', ')}`);
    await page.keyboard.press('Escape');
  },
);
