/** Driving the workbench like a user: command palette, Quick Open, quick picks, the Runs tree, notifications. */
import type { Locator, Page } from 'playwright-core';
import { waitFor } from './wait';

const quickInput = '.quick-input-widget';
const quickInputRows = `${quickInput} .quick-input-list .monaco-list-row`;

/**
 * Opens the quick input (F1), types `text` and presses Enter once a row containing `rowText` shows.
 * The quick input's list is fixed when it opens (a command the extension host has not registered
 * yet, or a file not indexed yet, never shows up in it): close and reopen until the row is there.
 */
async function chooseInQuickInput(
  page: Page,
  text: string,
  rowText: string,
  what: string,
  timeoutMs: number,
): Promise<void> {
  const input = page.locator(`${quickInput} input`);
  await waitFor(
    what,
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(text);
      try {
        await page
          .locator(quickInputRows)
          .filter({ hasText: rowText })
          .first()
          .waitFor({ state: 'visible', timeout: 3_000 });
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
      await input.press('Enter');
      return true;
    },
    { timeoutMs, intervalMs: 1_000 },
  );
  // Return once the palette has closed (or holds the quick input the command opened): until then, a
  // path or name the caller types would land in the palette and be lost.
  await waitFor(`the quick input to close after ${what}`, async () => {
    const widget = page.locator(quickInput);
    return !(await widget.isVisible()) || (await input.inputValue()) !== text;
  });
}

/** Runs a command from the command palette by its full title, e.g. "MoE Lens: Start Run". */
export async function runCommand(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  await chooseInQuickInput(page, `>${title}`, title, `"${title}" in the command palette`, timeoutMs);
}

/** Runs Developer: Reload Window and waits for the new page's workbench (the old page goes away). */
export async function reloadWindow(page: Page): Promise<void> {
  const reloaded = page.waitForEvent('load', { timeout: 90_000 });
  await runCommand(page, 'Developer: Reload Window');
  await reloaded;
  await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
}

/** Opens a workspace file by name through Quick Open, as a user would with Ctrl+P. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  await chooseInQuickInput(page, fileName, fileName, `${fileName} in Quick Open`, 60_000);
  await page.locator(`.tabs-container .tab.active`, { hasText: fileName }).waitFor({ timeout: 30_000 });
}

const quickPickRow = (page: Page, label: string | RegExp) =>
  page
    .locator(quickInputRows)
    .filter({ has: page.locator('.label-name', { hasText: label }) })
    .first();

/**
 * Runs a command from the palette and returns once the quick pick it opens shows a row with `label`.
 * Rarely (twice in CI) the quick pick a command opens as the palette closes stays hidden, its rows in
 * the DOM but never shown: then it is closed and the command run again.
 */
export async function runCommandShowing(page: Page, title: string, label: string | RegExp): Promise<void> {
  await waitFor(
    `"${title}" to offer ${String(label)}`,
    async () => {
      await runCommand(page, title);
      try {
        await quickPickRow(page, label).waitFor({ state: 'visible', timeout: 10_000 });
        return true;
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
    },
    { timeoutMs: 90_000, intervalMs: 1_000 },
  );
}

/** Picks the row with `label` in the quick pick an extension opened (waits for it to appear). */
export async function pickQuickItem(page: Page, label: string | RegExp, timeoutMs = 30_000): Promise<void> {
  const rows = page.locator(quickInputRows);
  const row = quickPickRow(page, label);
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  // Picked with the keyboard, not a click: the mouse rests where the last click left it, and the hover
  // of what lies there (an editor tab, a Runs row) can open over the list and take the click (seen in CI).
  const input = page.locator(`${quickInput} input`);
  const rowCount = await rows.count();
  for (let moves = 0; !(await row.evaluate((element) => element.classList.contains('focused'))); moves++) {
    if (moves > rowCount) throw new Error(`the quick pick row ${String(label)} never took the focus`);
    await input.press('ArrowDown');
  }
  await input.press('Enter');
}

/** Labels shown by the quick pick that is open now (each row's label, not its description or detail). */
export async function quickPickLabels(page: Page): Promise<string[]> {
  await page.locator(quickInputRows).first().waitFor({ state: 'visible', timeout: 30_000 });
  return page
    .locator(quickInputRows)
    .evaluateAll((rows) => rows.map((row) => row.querySelector('.label-name')?.textContent?.trim() ?? ''));
}

/** Shows the MoE Lens container (Runs tree and Routing view) by clicking its activity bar icon. */
export async function showMoeLens(page: Page): Promise<void> {
  const item = page.locator('.activitybar .action-item .action-label[aria-label^="MoE Lens"]');
  await item.waitFor({ state: 'visible', timeout: 60_000 });
  const container = page.locator('.part.sidebar .composite.title', { hasText: 'MoE Lens' });
  if (!(await container.isVisible())) await item.click();
  await container.waitFor({ state: 'visible', timeout: 30_000 });
}

/** A run's row in the Runs tree by its label (the last row so labelled: the one above it is its config's group). */
export function runsTreeRow(page: Page, label: string): Locator {
  return page
    .locator('.part.sidebar .monaco-list-row', {
      has: page.locator('.label-name', { hasText: new RegExp(`^${label}$`) }),
    })
    .last();
}

export interface RunsTreeItem {
  label: string;
  description: string;
  /** codicon names of the item's icon, e.g. ["loading", "modifier-spin"] or ["pass"] */
  icon: string[];
}

/** Runs in the page: the rows of the Runs view as label, description and icon classes. */
function readRunsTree(): RunsTreeItem[] {
  const pane = [...document.querySelectorAll('.part.sidebar .pane')].find(
    (p) => p.querySelector('.pane-header .title')?.textContent?.trim().toLowerCase() === 'runs',
  );
  return [...(pane?.querySelectorAll('.monaco-list-row') ?? [])].map((row) => {
    const text = (selector: string) => row.querySelector(selector)?.textContent?.trim() ?? '';
    const iconElement = row.querySelector('.custom-view-tree-node-item-icon');
    const icon = [...(iconElement?.classList ?? [])].filter((c) => c.startsWith('codicon-')).map((c) => c.slice(8));
    return { label: text('.label-name'), description: text('.label-description'), icon };
  });
}

/** The items of the Runs tree as a user sees them now. */
export async function runsTreeItems(page: Page): Promise<RunsTreeItem[]> {
  return page.evaluate(readRunsTree);
}

/**
 * Starts recording every state the Runs tree shows, so a test can tell that a run was "running" even
 * if that lasted less than one poll. Read with runsTreeHistory().
 */
export async function recordRunsTree(page: Page): Promise<void> {
  await page.evaluate((source) => {
    // eslint-disable-next-line @typescript-eslint/no-implied-eval -- page.evaluate takes a function as source text: this rebuilds readRunsTree in the page
    const read = (new Function(`return (${source})`) as () => () => RunsTreeItem[])();
    const seen: RunsTreeItem[] = [];
    const key = (item: RunsTreeItem) => `${item.label}|${item.description}|${item.icon.join(' ')}`;
    const keys = new Set<string>();
    const record = () => {
      for (const item of read()) {
        if (!keys.has(key(item))) {
          keys.add(key(item));
          seen.push(item);
        }
      }
    };
    (window as unknown as { __moeLensRunsSeen: RunsTreeItem[] }).__moeLensRunsSeen = seen;
    new MutationObserver(record).observe(document.body, {
      subtree: true,
      childList: true,
      characterData: true,
      attributes: true,
    });
    record();
  }, readRunsTree.toString());
}

/** Every distinct Runs tree item shown since recordRunsTree(), in order of appearance. */
export async function runsTreeHistory(page: Page): Promise<RunsTreeItem[]> {
  return page.evaluate(() => (window as unknown as { __moeLensRunsSeen: RunsTreeItem[] }).__moeLensRunsSeen);
}

/** Waits until a Runs tree item satisfies `accept`; the failure message shows the tree. */
export async function waitForRun(
  page: Page,
  what: string,
  accept: (item: RunsTreeItem) => boolean,
  timeoutMs = 120_000,
): Promise<RunsTreeItem> {
  let seen: RunsTreeItem[] = [];
  try {
    return await waitFor(
      what,
      async () => {
        seen = await runsTreeItems(page);
        return seen.find(accept);
      },
      { timeoutMs, intervalMs: 250 },
    );
  } catch (error) {
    throw new Error(`${(error as Error).message}\nRuns tree: ${JSON.stringify(seen)}`);
  }
}

/** "18:05:09 #3fa2 · loss-free · 12/20 · running" -> { stamp, shortId, balancer, step, total, status } */
export function parseRunDescription(
  description: string,
): { stamp: string; shortId: string; balancer: string; step: number; total: number; status: string } | undefined {
  const match = /^(.*?)(#[0-9a-f]{4}) · (.+) · (\d+)\/(\d+) · (\w+)(?: \(position \d+\))?$/.exec(description);
  if (!match) return undefined;
  const [, stamp, shortId, balancer, step, total, status] = match;
  return { stamp: stamp.trim(), shortId, balancer, step: Number(step), total: Number(total), status };
}

/** Opens `configFile` and runs "MoE Lens: Start Run" from the palette (the active editor's config). */
export async function runStartRunOn(page: Page, configFile: string): Promise<void> {
  await openFile(page, configFile);
  await runCommand(page, 'MoE Lens: Start Run');
}

/** Start Run on `configFile` with `balancer` picked in the quick pick. */
export async function startRunFromPalette(page: Page, configFile: string, balancer: string): Promise<void> {
  const label = new RegExp(`^${balancer.replace(/[+]/g, '\\+')}$`);
  await openFile(page, configFile);
  await runCommandShowing(page, 'MoE Lens: Start Run', label);
  await pickQuickItem(page, label);
}

/** Waits for a notification toast containing `text` to be shown (faded in) and returns all its text. */
export async function waitForNotification(page: Page, text: string, timeoutMs = 60_000): Promise<string> {
  const toast = page
    .locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: text })
    .first();
  try {
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    throw new Error(
      `no notification containing "${text}" within ${timeoutMs / 1000} s; shown: ${JSON.stringify(shown)}`,
    );
  }
  return toast.innerText();
}

/** The rows of the Problems panel (it is opened), as their text: message, source, position. */
export async function problemsPanelRows(page: Page): Promise<string[]> {
  await runCommand(page, 'View: Focus Problems (Errors, Warnings, Infos)');
  const panel = page.locator('.markers-panel');
  await panel.waitFor({ state: 'visible', timeout: 30_000 });
  return panel.locator('.monaco-list-row').allInnerTexts();
}
