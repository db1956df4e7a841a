// "MoE Lens: Reproduce Paper…" in a real VS Code: a preset of the workspace's papers/ folder (a few
// steps on the tiny model, 2 seeds) is picked, its comparison trains every arm and seed into the runs
// directory, and Compare Run Curves opens on those runs with the report (the paper's figures beside
// ours) previewed beside it.
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { CompareReport } from '../../protocol/comparePreset';
import {
  frameWith,
  pickQuickItem,
  quickPickLabels,
  runCommandShowing,
  runEvents,
  vsCodeForTests,
  waitFor,
} from './harness';

const PRESET = {
  title: 'Tiny paper miniature',
  paper: 'A. Author 2025, a tiny paper',
  setting: 'The tiny example model, 3 steps.',
  config: '../tiny.moe.json',
  steps: 3,
  seeds: 2,
  baseline: 'aux-loss',
  arms: [
    { label: 'aux-loss', balancer: { methods: ['aux-loss'], auxAlpha: 0.01 } },
    { label: 'loss-free', balancer: { methods: ['loss-free'] } },
  ],
  reported: [{ arm: 'loss-free', metric: 'maxVioGlobal', value: 0.04, where: 'Table 1' }],
  claims: ['Loss-free balances better.'],
};

const session = vsCodeForTests({
  name: 'reproducePaper',
  trust: true,
  files: { 'papers/tiny-paper.compare.json': JSON.stringify(PRESET, null, 2) },
});

test(
  'Reproduce Paper runs a preset over its seeds and opens the compare view and the report beside it',
  { timeout: 300_000 },
  async () => {
    const { vscode, workspace } = session;
    const { page } = vscode;
    await runCommandShowing(page, 'MoE Lens: Reproduce Paper…', 'Tiny paper miniature');
    const offered = await quickPickLabels(page);
    assert.ok(
      offered.includes('Tiny paper miniature') && offered.includes('Loss-Free Balancing, CPU miniature'),
      `presets offered: ${offered.join(', ')}`,
    );
    await pickQuickItem(page, 'Tiny paper miniature');

    const compareTab = page.locator('.tabs-container .tab', { hasText: 'Compare: tiny-paper-' });
    await compareTab.waitFor({ state: 'visible', timeout: 240_000 });
    const previewTab = page.locator('.tabs-container .tab', { hasText: /Preview tiny-paper-.*\.compare\.md/ });
    await waitFor('the report previewed beside the compare view', async () => (await previewTab.count()) > 0, {
      timeoutMs: 60_000,
    });
    await vscode.screenshot('reproduce-paper');

    // Compare Run Curves: each arm's 2 seeds are one mean curve with a min–max band (train and val loss)
    const compare = await frameWith(page, '#show-seeds');
    const bandLabels = () =>
      compare.evaluate(() => window.__moeLens!.chartState('chart-loss')?.bands.map((b) => b.label) ?? []);
    await waitFor('seed bands in the compare view', async () => (await bandLabels()).length === 4, {
      timeoutMs: 30_000,
    });
    const bands = await bandLabels();
    for (const arm of ['aux-loss', 'loss-free'])
      assert.ok(
        bands.includes(`${arm} (mean of 2 seeds, band min–max) (max)`),
        `a band for ${arm}: ${bands.join(', ')}`,
      );
    await compareTab.click();
    await vscode.screenshot('reproduce-paper-seed-bands');

    const report = readReport(workspace);
    assert.ok(report, 'a .compare.json report in the runs directory');
    assert.deepEqual(report.seeds, [42, 43]);
    assert.deepEqual(
      report.arms.map((a) => a.label),
      ['aux-loss', 'loss-free'],
    );
    for (const folder of report.arms.flatMap((a) => a.runs)) {
      const end = runEvents(workspace, folder).at(-1);
      assert.equal(end?.type === 'end' && end.status, 'completed', `${folder} completed`);
    }
    const markdown = readFileSync(join(workspace, '.moe-runs', `${report.name}.compare.md`), 'utf8');
    assert.match(markdown, /\| loss-free \| maxVioGlobal \| 0\.04 \(Table 1\) \| \d\.\d{3} ± \d\.\d{3} \|/);
  },
);

function readReport(workspace: string): CompareReport | undefined {
  const dir = join(workspace, '.moe-runs');
  const file = readdirSync(dir).find((f) => f.endsWith('.compare.json'));
  return file ? (JSON.parse(readFileSync(join(dir, file), 'utf8')) as CompareReport) : undefined;
}
