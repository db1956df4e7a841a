/**
 * VS Code's simple file dialog (what code-server shows for showOpenDialog/showSaveDialog): a quick input
 * whose value is a path and whose rows list that folder. It is answered by waiting for its states, not
 * for times: typed into before it shows, a path lands in whatever quick input is still open (the
 * command palette that started the command), and an Enter pressed then accepts the dialog's default.
 */
import { readdirSync } from 'node:fs';
import type { Page } from 'playwright-core';
import { waitFor } from './wait';

interface DialogState {
  title: string;
  value: string;
  rows: string[];
  validation: string;
}

/** The quick input as it shows now: title, input value, the rows' labels, its validation message. */
function readQuickInput(): DialogState | undefined {
  const widget = document.querySelector<HTMLElement>('.quick-input-widget');
  if (!widget || widget.style.display === 'none') return undefined;
  return {
    title: widget.querySelector('.quick-input-title')?.textContent?.trim() ?? '',
    value: widget.querySelector('input')?.value ?? '',
    // Only rows a user sees: the list keeps rows of an earlier quick pick in the DOM, hidden.
    rows: [...widget.querySelectorAll<HTMLElement>('.quick-input-list .monaco-list-row')]
      .filter((row) => {
        const list = row.closest('.quick-input-list')!.getBoundingClientRect();
        const box = row.getBoundingClientRect();
        return row.checkVisibility() && box.height > 0 && box.bottom > list.top && box.top < list.bottom;
      })
      .map((row) => row.querySelector('.label-name')?.textContent?.trim() ?? ''),
    validation: widget.querySelector('.quick-input-message')?.textContent?.trim() ?? '',
  };
}

/** What the folder dialog lists for `folder`: '..' and its subfolders, dot folders hidden (its default). */
function folderRows(folder: string): string[] {
  const subfolders = readdirSync(folder, { withFileTypes: true })
    .filter((entry) => entry.isDirectory() && !entry.name.startsWith('.'))
    .map((entry) => entry.name);
  return ['..', ...subfolders].sort();
}

const sameRows = (shown: string[], expected: string[]) =>
  JSON.stringify([...shown].sort()) === JSON.stringify(expected);

/** Waits for states of the quick input titled `title`, naming what it last showed when one never comes. */
function dialogStates(page: Page, title: string) {
  let seen: DialogState | undefined;
  const waitForState = (what: string, accept: (shown: DialogState | undefined) => boolean) =>
    waitFor(
      what,
      async () => {
        seen = await page.evaluate(readQuickInput);
        return accept(seen);
      },
      { timeoutMs: 60_000, intervalMs: 100 },
    ).catch((error: Error) => {
      throw new Error(`${error.message}\nthe quick input: ${JSON.stringify(seen)}`);
    });
  const isDialog = (shown: DialogState | undefined): shown is DialogState => shown?.title === title;
  return { waitForState, isDialog };
}

/**
 * Picks `folder` in the open-folder dialog titled `title` (opened by a command the test ran): waits for
 * the dialog to show its first folder listing, types the path, waits until the dialog lists that
 * folder's subfolders, presses Enter and waits for the dialog to close.
 */
export async function chooseFolderInDialog(page: Page, title: string, folder: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const { waitForState, isDialog } = dialogStates(page, title);
  // Shown, and done listing its first folder (its value is then that folder, its rows that folder's).
  await waitForState(
    `the file dialog "${title}" with its first folder listed`,
    (shown) => isDialog(shown) && shown.value.endsWith('/') && shown.rows.includes('..'),
  );
  const path = folder.endsWith('/') ? folder : `${folder}/`;
  await input.fill(path);
  const expected = folderRows(folder);
  await waitForState(
    `the file dialog listing ${path} (${expected.join(', ')})`,
    (shown) => isDialog(shown) && shown.value === path && sameRows(shown.rows, expected),
  );
  await input.press('Enter');
  await waitForState('the file dialog to close', (shown) => !isDialog(shown));
}

/**
 * Accepts the save dialog titled `title` with the file name it suggests: waits until the dialog shows
 * `fileName` and has listed its folder (an Enter pressed before that is not taken as a save), presses
 * Enter and waits for the dialog to close.
 */
export async function acceptSaveDialog(page: Page, title: string, fileName: string): Promise<void> {
  const { waitForState, isDialog } = dialogStates(page, title);
  await waitForState(
    `the save dialog "${title}" suggesting ${fileName} with its folder listed`,
    (shown) => isDialog(shown) && shown.value.endsWith(`/${fileName}`) && shown.rows.includes('..'),
  );
  await page.locator('.quick-input-widget input').press('Enter');
  await waitForState('the save dialog to close', (shown) => !isDialog(shown));
}
