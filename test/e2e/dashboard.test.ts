// The webviews in a real VS Code (issues 4, 12): Start Run opens the dashboard beside its config by
// itself, titled with the run's start time and short id; it shows a loss curve that grows and a drawn
// expert-load heatmap; every click on the status bar item opens it; one toolbar drives every chart
// (smoothing, log y, zoom, tooltip, scrubber); cards export PNG and CSV; clicks in the Runs tree reuse
// one preview dashboard; light, high contrast and dark themes (each set, then the window reloaded); the
// Routing side panel shows the running run's heatmap; after "Developer: Reload Window" the dashboard
// comes back.
import assert from 'node:assert/strict';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import type { Frame, Locator, Page } from 'playwright-core';
import {
  acceptSaveDialog,
  drawnPixels,
  frameWith,
  parseRunDescription,
  reloadWindow,
  resultsDir,
  runsTreeRow,
  clickRunUntilDrawn,
  lossPointsNow,
  showMoeLens,
  startRunFromPalette,
  tinyVariant,
  trainOutsideVsCode,
  vsCodeForTests,
  waitFor,
  waitForNotification,
  waitForRun,
} from './harness';

const session = vsCodeForTests({
  name: 'dashboard',
  trust: true,
  // A finished 300-step run, trained before VS Code opens, to time opening its dashboard.
  // A second, shorter one to switch the preview dashboard to.
  prepare: (workspace) => {
    trainOutsideVsCode(workspace, 'finished.moe.json', 'finished-300');
    trainOutsideVsCode(workspace, 'other.moe.json', 'other-120');
  },
  // Trains through the whole file (closing VS Code stops it), with two MoE layers for the heatmaps.
  files: {
    'finished.moe.json': tinyVariant('finished', { training: { steps: 300, evalEvery: 50, checkpointEvery: 0 } }),
    'other.moe.json': tinyVariant('other', { training: { steps: 120, evalEvery: 50, checkpointEvery: 0 } }),
    'watch.moe.json': tinyVariant('watch', {
      model: { layers: 2, dModel: 32, seqLen: 32, expertHidden: 32 },
      training: { steps: 100_000, batchSize: 8, evalEvery: 25, checkpointEvery: 0 },
    }),
  },
});

/** Figures for `npm run bench:webview` and the report: written to test-results/timings-dashboard.json. */
const timings: Record<string, number> = {};
after(() => writeFileSync(join(resultsDir, 'timings-dashboard.json'), JSON.stringify(timings, null, 2) + '\n'));

/** Closes the tab matching `tab` if it is open (its close button), and waits until it is gone. */
async function closeTab(page: Page, tab: Locator): Promise<void> {
  if ((await tab.count()) === 0) return;
  await tab.first().hover();
  await tab.first().locator('.tab-actions .action-label').click();
  await tab.first().waitFor({ state: 'detached', timeout: 10_000 });
}

const lossPoints = async (frame: Frame) => Number(await frame.getAttribute('canvas#chart-loss', 'data-points'));
test(
  'a finished run’s dashboard is drawn with every point soon after its row is clicked',
  { timeout: 180_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    await showMoeLens(page);
    const tab = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: finished/ });
    // The first open in the window loads the webview bundle; the second reuses the host's reduced state.
    for (const key of ['finishedFirstOpenMs', 'finishedReopenMs']) {
      await closeTab(page, tab);
      timings[key] = (await clickRunUntilDrawn(page, 'finished', 300)).ms;
    }
    await vscode.screenshot('dashboard-f-finished');
    await closeTab(page, tab);
  },
);

test(
  'clicks in the Runs tree show each run in one preview dashboard; Open Dashboard keeps it',
  { timeout: 180_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    await showMoeLens(page);
    const dashboardTabs = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: / });
    const tabTitles = async () => (await dashboardTabs.allInnerTexts()).map((title) => title.trim());
    await clickRunUntilDrawn(page, 'finished', 300);
    // The same panel shows the other run, then the first again: one tab, titled with the run shown.
    timings.previewSwitchMs = (await clickRunUntilDrawn(page, 'other', 120)).ms;
    assert.deepEqual(
      (await tabTitles()).map((title) => title.replace(/ \d\d:\d\d:\d\d #[0-9a-f]{4}$/, '')),
      ['MoE Lens: other'],
    );
    const frame = await frameWith(page, 'canvas#chart-loss');
    await waitFor('the header names the other run', async () =>
      (await frame.locator('.run-header').innerText()).includes('other'),
    );
    await vscode.screenshot('dashboard-preview-other');
    timings.previewSwitchBackMs = (await clickRunUntilDrawn(page, 'finished', 300)).ms;
    assert.equal(await dashboardTabs.count(), 1, `one preview dashboard: ${(await tabTitles()).join(', ')}`);
    assert.match((await tabTitles())[0], /^MoE Lens: finished /);

    // Open Dashboard (the row's button) on a run without a panel takes the preview over and keeps it,
    // as an editor opened in VS Code replaces the preview editor: no new panel; the next click
    // previews in a new one.
    const row = runsTreeRow(page, 'other');
    await row.hover();
    await row.locator('.actions .action-label[aria-label="Open Dashboard"]').click();
    await waitFor('the preview panel showing the other run', async () => {
      const shown = await tabTitles();
      return shown.length === 1 && shown[0].startsWith('MoE Lens: other ') && (await lossPointsNow(frame)) === 120;
    });
    await clickRunUntilDrawn(page, 'finished', 300);
    await waitFor('two dashboards, other and finished', async () => (await dashboardTabs.count()) === 2);
    const titles = await tabTitles();
    assert.ok(
      titles.some((t) => t.startsWith('MoE Lens: finished ')) && titles.some((t) => t.startsWith('MoE Lens: other ')),
      `the kept dashboard and the new preview: ${titles.join(', ')}`,
    );
    for (const title of titles) await closeTab(page, page.locator('.tabs-container .tab', { hasText: title }));
  },
);

test(
  'Start Run opens the dashboard beside the config by itself, titled with the start time and short id',
  { timeout: 240_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    await showMoeLens(page);
    await startRunFromPalette(page, 'watch.moe.json', 'loss-free');
    const pressed = Date.now();
    const toast = await waitForNotification(page, 'starting watch');
    assert.match(toast, /Open Dashboard/, `the start toast offers the dashboard: ${toast}`);
    // No Open Dashboard command: the dashboard comes by itself.
    const dashboard = await frameWith(page, 'canvas#chart-loss');
    const first = await waitFor(
      'loss points on the chart',
      async () => (await lossPoints(dashboard)) > 0 && lossPoints(dashboard),
      { intervalMs: 50 },
    );
    timings.firstLossPointMs = Date.now() - pressed;

    // Beside the config: two editor groups, the config in the first, the dashboard in the second,
    // its tab titled with the run's start time and short id, as the Runs tree shows them.
    const groups = page.locator('.editor .editor-group-container');
    assert.equal(await groups.count(), 2, 'the dashboard opened in a second editor group');
    assert.match(await groups.nth(0).locator('.tab.active').innerText(), /watch\.moe\.json/);
    const item = await waitForRun(
      page,
      'the watch run to train',
      (run) => run.label === 'watch' && (parseRunDescription(run.description)?.step ?? 0) > 0,
    );
    const shown = parseRunDescription(item.description);
    assert.match(shown?.stamp ?? '', /^\d\d:\d\d:\d\d$/, item.description);
    const tab = (await groups.nth(1).locator('.tab.active').innerText()).trim();
    assert.equal(tab, `MoE Lens: watch ${shown?.stamp} ${shown?.shortId}`);

    // New steps add points; past its 2,000-point budget the chart merges old ones (the count drops),
    // then grows again from there.
    let baseline = first;
    const later = await waitFor(`the loss chart to grow from ${first} points`, async () => {
      const now = await lossPoints(dashboard);
      baseline = Math.min(baseline, now);
      return now > baseline && now;
    });
    assert.ok(later > baseline);
    const heatmap = await waitFor('a drawn expert-load heatmap', async () => {
      const drawn = await drawnPixels(dashboard, 'canvas#heatmap-load');
      return drawn > 0 && drawn;
    });
    assert.ok(heatmap > 0);
    await vscode.screenshot('dashboard-f-live');

    // The webviews' strict CSP holds what they do: nothing they load or run is refused.
    const refused = vscode.consoleMessages().filter((text) => text.includes('Content Security Policy'));
    assert.deepEqual(refused, [], 'no Content Security Policy violations');
  },
);

test(
  '20 clicks on the status bar item while the run trains each open the dashboard',
  { timeout: 240_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    const item = page.locator('.statusbar-item', { hasText: /MoE watch/ });
    const dashboardTab = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: watch/ });
    for (let click = 1; click <= 20; click++) {
      await closeTab(page, dashboardTab);
      // The item changes text every step: each click lands on whatever it shows then.
      await item.click();
      await dashboardTab.waitFor({ state: 'visible', timeout: 30_000 }).catch(() => {
        throw new Error(`click ${click} of 20 on the status bar item did not open the dashboard`);
      });
    }
    const missing = await page.locator('.notifications-toasts .notification-toast', { hasText: 'not found' }).count();
    assert.equal(missing, 0, 'no "command not found" notification');
    await frameWith(page, 'canvas#chart-loss');
    await vscode.screenshot('dashboard-f-status-bar-click');
  },
);

/** The dashboard's frame, opening the dashboard from the status bar item if it is not open. */
async function dashboardFrame(page: Page): Promise<Frame> {
  const tab = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: watch/ });
  if ((await tab.count()) === 0) await page.locator('.statusbar-item', { hasText: /MoE watch/ }).click();
  return frameWith(page, '#step-scrubber');
}

const STEP_CHARTS = ['chart-loss', 'chart-maxvio', 'chart-pes', 'chart-experts-used', 'chart-bias'];

/** What every step chart shows, read in one go (the run trains on between two reads). */
const chartStates = (frame: Frame) =>
  frame.evaluate((ids) => ids.map((id) => ({ id, ...window.__moeLens!.chartState(id)! })), STEP_CHARTS);

test(
  'one toolbar for every chart: smoothing, log y, aligned zoom and reset, tooltip of every curve, scrubber with play',
  { timeout: 240_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    const frame = await dashboardFrame(page);
    const state = (id: string) => frame.evaluate((chart) => window.__moeLens!.chartState(chart), id);

    // Smoothing is on: the raw train loss is drawn faint behind the smoothed one; off, only the curves.
    assert.deepEqual((await state('chart-loss'))?.datasets, ['train loss', 'val loss', 'train loss (raw)']);
    await frame.locator('#smoothing').fill('0');
    await waitFor('no raw curve with smoothing off', async () => (await state('chart-loss'))?.datasets.length === 2);
    assert.equal(await frame.locator('#smoothing-value').innerText(), 'off');
    await frame.locator('#smoothing').fill('0.9');
    await waitFor(
      'the raw curve back with smoothing 0.9',
      async () => (await state('chart-loss'))?.datasets.length === 3,
    );

    // Every step chart: axis titles, the same x range (0 … the run's step), integer step ticks.
    const all = await chartStates(frame);
    for (const chart of all) {
      assert.ok(
        chart.xTitle === 'step' && chart.yTitle,
        `${chart.id} has axis titles: ${chart.xTitle} / ${chart.yTitle}`,
      );
      assert.equal(chart.xMin, 0, `${chart.id} starts at step 0`);
      assert.equal(chart.xMax, all[0].xMax, `${chart.id} ends where the loss chart ends`);
      assert.ok(
        chart.xTicks.every((t) => /^[\d,]+$/.test(t)),
        `${chart.id} ticks are whole steps: ${chart.xTicks.join(' ')}`,
      );
    }

    // Log y on every chart that can have it (biases can be negative: they stay linear).
    await frame.selectOption('#y-scale', 'log');
    await waitFor('log y on the loss chart', async () => (await state('chart-loss'))?.yType === 'logarithmic');
    assert.equal((await state('chart-maxvio'))?.yType, 'logarithmic');
    assert.equal((await state('chart-bias'))?.yType, 'linear');
    await vscode.screenshot('dashboard-f-toolbar-log-dark');
    await frame.selectOption('#y-scale', 'linear');

    // Zoom: drag across the middle of the loss chart; every step chart shows the dragged range.
    const box = await frame.locator('#chart-loss').boundingBox();
    assert.ok(box);
    const y = box.y + box.height * 0.5;
    await page.mouse.move(box.x + box.width * 0.35, y);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width * 0.6, y, { steps: 6 });
    await page.mouse.up();
    const zoomed = await waitFor('every chart zoomed to the dragged range', async () => {
      const charts = await chartStates(frame);
      const same = charts.every((c) => c.xMin === charts[0].xMin && c.xMax === charts[0].xMax);
      return same && charts[0].xMin > 0 && charts;
    });
    assert.ok(zoomed[0].xMax - zoomed[0].xMin < all[0].xMax, 'a narrower range than the whole run');
    await frame.locator('#reset-zoom').click();
    await waitFor('the whole run again after Reset zoom', async () =>
      (await chartStates(frame)).every((c) => c.xMin === 0),
    );

    // x as time since the start: the ticks read as durations; back to steps.
    await frame.selectOption('#x-axis', 'relative');
    const timed = await waitFor('time ticks on the loss chart', async () => {
      const loss = await state('chart-loss');
      return loss?.xTitle.startsWith('time since start') && loss;
    });
    assert.ok(
      timed.xTicks.some((t) => /^\d+s$|^\d+:\d\d$/.test(t)),
      `durations: ${timed.xTicks.join(' ')}`,
    );
    await vscode.screenshot('dashboard-f-time-axis-dark');
    await frame.selectOption('#x-axis', 'step');

    // The crosshair's tooltip: "step N" and every curve of the chart at that step.
    await page.mouse.move(box.x + box.width * 0.5, y);
    const tooltip = frame.locator('#chart-loss').locator('xpath=..').locator('.chart-tooltip');
    await tooltip.waitFor({ state: 'visible', timeout: 10_000 });
    const tip = await tooltip.innerText();
    assert.match(tip, /^step [\d,]+/, tip);
    assert.match(tip, /train loss/);
    assert.match(tip, /val loss/);
    assert.match(tip, /raw \d/, 'the raw value beside the smoothed one');
    // The crosshair is shared: hovering the loss chart marks the same step on the MaxVio chart.
    await vscode.screenshot('dashboard-f-tooltip-dark');
    await page.mouse.move(0, 0);

    // The scrubber moves the heatmap's step; play runs to the latest step.
    const max = Number(await frame.locator('#step-scrubber').getAttribute('max'));
    const middle = Math.round(max / 2);
    await frame.locator('#step-scrubber').fill(String(middle));
    await waitFor(
      'the scrubbed step in the toolbar',
      async () => (await frame.locator('#scrub-label').innerText()) === `step ${middle.toLocaleString('en-US')}`,
    );
    // Looked at, as a user does: a card out of view is drawn once scrolled to (the toolbar stays, sticky).
    await frame.locator('.step-label').first().scrollIntoViewIfNeeded();
    const heatmapStep = await waitFor('the heatmap at the scrubbed step', async () => {
      const text = await frame.locator('.step-label').first().innerText();
      return !text.includes('latest') && text;
    });
    const [first, last] = (heatmapStep.match(/\d+/g) ?? []).map(Number);
    assert.ok(first <= middle && (last ?? first) >= middle, `the heatmap column holds step ${middle}: ${heatmapStep}`);
    await frame.locator('#scrub-play').click();
    await waitFor(
      'play to reach the latest step',
      async () => (await frame.locator('#scrub-label').innerText()).endsWith('latest'),
      { timeoutMs: 30_000 },
    );
    assert.match(await frame.locator('.step-label').first().innerText(), /latest/);
  },
);

// The save dialog is VS Code's simple file dialog (a quick input); under load it can take tens of seconds to show.
test('a card exports its chart as PNG and its data as CSV through a save dialog', { timeout: 180_000 }, async () => {
  const { vscode, workspace } = session;
  const { page } = vscode;
  const frame = await dashboardFrame(page);
  const save = async (button: string, file: string) => {
    await frame.getByRole('button', { name: button }).click();
    await acceptSaveDialog(page, `MoE Lens: save ${file}`, file);
    // What a user sees once it is written: the toast (the failure names the toasts shown instead).
    try {
      await waitForNotification(page, `MoE Lens: saved ${file}`);
    } catch (error) {
      await vscode.screenshot(`dashboard-export-${file}-not-saved`);
      throw error;
    }
    return readFileSync(join(workspace, file));
  };
  const csv = (await save('Save the Loss data as CSV', 'loss.csv')).toString('utf8');
  assert.equal(csv.split('\n')[0], 'step,train loss,val loss');
  assert.ok(csv.split('\n').length > 20, 'a row per recorded step');
  const png = await save('Save the Loss chart as PNG', 'loss.png');
  assert.deepEqual([...png.subarray(0, 4)], [0x89, 0x50, 0x4e, 0x47], 'a PNG file');
  assert.ok(png.length > 2000, `a drawn chart, ${png.length} bytes`);
});

/**
 * Switches the colour theme as an edit of the user's settings.json does: written beside and renamed
 * into place, as editors save, so the workbench's file watcher sees a new file.
 */
function setColorTheme(userDataDir: string, theme: string): void {
  const file = join(userDataDir, 'User', 'settings.json');
  const settings = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
  writeFileSync(`${file}.tmp`, JSON.stringify({ ...settings, 'workbench.colorTheme': theme }, null, 2));
  renameSync(`${file}.tmp`, file);
}

/**
 * The dashboard's text that reads worse than WCAG AA against what it is drawn on (4.5:1; 3:1 for
 * text of 18.66 px bold or 24 px), and its background colour; computed in the webview.
 */
function dashboardContrast(frame: Frame) {
  return frame.evaluate(() => {
    // "rgb(r, g, b)", "rgba(r, g, b, a)" or, from color-mix(), "color(srgb r g b / a)" with r, g, b in 0…1
    const rgb = (color: string) => {
      const numbers = (color.match(/[\d.]+/g) ?? []).map(Number);
      return color.startsWith('color(srgb') ? numbers.map((n, i) => (i < 3 ? n * 255 : n)) : numbers;
    };
    const luminance = ([r, g, b]: number[]) => {
      const lin = (c: number) => ((c /= 255) <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
      return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
    };
    const backgroundOf = (element: Element | null): number[] => {
      for (let e = element; e; e = e.parentElement) {
        const color = rgb(getComputedStyle(e).backgroundColor);
        if (color.length === 3 || (color.length === 4 && color[3] > 0.5)) return color.slice(0, 3);
      }
      return rgb(getComputedStyle(document.body).backgroundColor).slice(0, 3);
    };
    const poor: string[] = [];
    for (const element of document.querySelectorAll('body *')) {
      const own = [...element.childNodes].some((n) => n.nodeType === Node.TEXT_NODE && (n.textContent ?? '').trim());
      const style = getComputedStyle(element);
      if (!own || style.visibility === 'hidden' || (element as HTMLElement).offsetParent === null) continue;
      const [fg, bg] = [luminance(rgb(style.color)), luminance(backgroundOf(element))];
      const ratio = (Math.max(fg, bg) + 0.05) / (Math.min(fg, bg) + 0.05);
      const size = parseFloat(style.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(style.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5))
        poor.push(
          `${element.tagName.toLowerCase()}.${element.className} "${(element.textContent ?? '').trim().slice(0, 30)}" ${ratio.toFixed(2)}:1`,
        );
    }
    return { background: getComputedStyle(document.body).backgroundColor, bodyClass: document.body.className, poor };
  });
}

// code-server 4.100.3 does not apply a live change of workbench.colorTheme in settings.json (seen in
// three runs: the workbench kept its theme for 60 s while the file said otherwise), and its Color Theme
// picker did not open in CI; it applies the setting when the window loads. So each theme is set in
// settings.json, then the window reloaded, as a user does after editing settings by hand.
test(
  'the dashboard follows the colour theme: light, high contrast, dark; its background and text readable (WCAG AA)',
  { timeout: 360_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    await dashboardFrame(page);
    for (const [theme, workbenchClass, kind] of [
      ['Default Light Modern', 'vs', 'vscode-light'],
      ['Default High Contrast', 'hc-black', 'vscode-high-contrast'],
      ['Default Dark Modern', 'vs-dark', 'vscode-dark'],
    ]) {
      setColorTheme(vscode.userDataDir, theme);
      await reloadWindow(page);
      let classes = '';
      await waitFor(`the workbench in ${theme}`, async () => {
        classes = (await page.locator('.monaco-workbench').getAttribute('class')) ?? '';
        return classes.split(' ').includes(workbenchClass);
      }).catch((error: Error) => {
        const settings = readFileSync(join(vscode.userDataDir, 'User', 'settings.json'), 'utf8');
        throw new Error(`${error.message}; the workbench's classes: "${classes}"; settings.json: ${settings}`);
      });
      // The dashboard the reload restored.
      const frame = await frameWith(page, 'canvas#chart-loss', 120_000);
      await waitFor(`the dashboard in ${theme}`, async () =>
        (await frame.evaluate(() => document.body.className)).split(' ').includes(kind),
      );
      const editorBackground = await page.evaluate(() =>
        getComputedStyle(document.querySelector('.monaco-workbench')!)
          .getPropertyValue('--vscode-editor-background')
          .trim(),
      );
      // The dashboard is drawn on the theme's editor background, its charts redrawn in the theme's colours.
      const shown = await waitFor(`the dashboard's colours in ${theme}`, async () => {
        const contrast = await dashboardContrast(frame);
        const hex = `#${(contrast.background.match(/\d+/g) ?? [])
          .slice(0, 3)
          .map((n) => Number(n).toString(16).padStart(2, '0'))
          .join('')}`;
        return hex === editorBackground.toLowerCase() && contrast;
      });
      assert.deepEqual(shown.poor, [], `text below WCAG AA contrast in ${theme}`);
      await waitFor('the loss chart drawn', async () => (await drawnPixels(frame, 'canvas#chart-loss')) > 100);
      await vscode.screenshot(`dashboard-f-theme-${kind.replace('vscode-', '')}`);
    }
  },
);

test('the Routing side panel shows the running run heatmap', { timeout: 120_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await showMoeLens(page);
  const routing = await frameWith(page, 'canvas#routing-heatmap');
  const drawn = await waitFor('a drawn routing heatmap', async () => {
    const pixels = await drawnPixels(routing, 'canvas#routing-heatmap');
    return pixels > 0 && pixels;
  });
  assert.ok(drawn > 0);
  await vscode.screenshot('dashboard-f-routing-panel');
});

test('after Developer: Reload Window the dashboard comes back', { timeout: 180_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await reloadWindow(page);
  const dashboard = await frameWith(page, 'canvas#chart-loss', 120_000);
  const points = await waitFor('loss points on the restored chart', async () => {
    const n = await lossPoints(dashboard);
    return n > 0 && n;
  });
  assert.ok(points > 0);
  // Titled as before the reload, once the restored window has read the run's log.
  const tab = page.locator('.tabs-container .tab', { hasText: /^MoE Lens: / }).first();
  await waitFor('the restored dashboard titled with the run name, start time and short id', async () =>
    /^MoE Lens: watch \d\d:\d\d:\d\d #[0-9a-f]{4}$/.test((await tab.innerText()).trim()),
  );
  await vscode.screenshot('dashboard-f-after-reload');
});
