// Editing run configs in a real VS Code: a problem between fields (topK larger than the number of
// experts) is marked while typing, from the same validator as the trainer's; a syntax error is the
// JSON checker's alone; hovers give a field's default and range; Start Run asks before saving unsaved
// edits; Start Run on a broken config shows an error naming the file and the JSON path, starts nothing.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import type { Page } from 'playwright-core';
import {
  openFile,
  problemsPanelRows,
  runCommand,
  runFolders,
  runStartRunOn,
  tinyVariant,
  vsCodeForTests,
  waitFor,
  waitForNotification,
} from './harness';

const session = vsCodeForTests({
  name: 'bad-config',
  trust: true,
  // As in desktop VS Code: VS Code for the Web (code-server) saves an edit after a second by default,
  // which would race the unsaved-edits prompt below.
  userSettings: { 'files.autoSave': 'off' },
  files: {
    'broken.moe.json': tinyVariant('broken', { model: { experts: 4, topK: 8 } }),
    'edit.moe.json': tinyVariant('edit'),
  },
});

test(
  'Start Run on a config with topK > experts: an error names the file and $.model.topK; no run starts',
  { timeout: 120_000 },
  async () => {
    const { vscode, workspace } = session;
    const { page } = vscode;
    await runStartRunOn(page, 'broken.moe.json');
    const error = await waitForNotification(page, '$.model.topK');
    await vscode.screenshot('bad-config-error');
    assert.match(error, /broken\.moe\.json/, `the message names the file: ${error}`);
    assert.match(error, /at most model\.experts \(4\), got 8/, `the message says what is expected: ${error}`);
    assert.equal(
      await page.locator('.quick-input-widget').isVisible(),
      false,
      'no balancer pick for a config that cannot run',
    );
    assert.deepEqual(runFolders(workspace), [], 'no run folder was created');
  },
);

/** Puts the cursor at the end of the line holding `text` in the active editor (Go to Line through the palette). */
async function goToLineWith(page: Page, fileText: string, text: string): Promise<void> {
  const line = fileText.slice(0, fileText.indexOf(text)).split('\n').length;
  await page.keyboard.press('Escape');
  await page.keyboard.press('F1');
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 10_000 });
  await input.fill(`:${line}`);
  await input.press('Enter');
  await page.keyboard.press('End');
}

const EDIT = tinyVariant('edit');

test(
  'while typing: topK above experts is marked at $.model.topK; a syntax error only by the JSON checker',
  { timeout: 120_000 },
  async () => {
    const { vscode } = session;
    const { page } = vscode;
    await openFile(page, 'edit.moe.json');
    // "topK": 2,  →  "topK": 12,   (tiny has 4 experts)
    await goToLineWith(page, EDIT, '"topK"');
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('Backspace');
    await page.keyboard.type('12');
    const ours = await waitFor('the cross-field problem of the edit in the Problems panel', async () => {
      const rows = await problemsPanelRows(page);
      return rows.find((row) => row.includes('got 12'));
    });
    assert.match(ours, /\$\.model\.topK: expected at most model\.experts \(4\), got 12/);
    assert.match(ours, /MoE Lens/);
    await vscode.screenshot('config-cross-field-while-typing');

    // "topK": 12  (no comma): broken JSON is the JSON checker's alone, nothing of MoE Lens beside it.
    await goToLineWith(page, EDIT, '"topK"');
    await page.keyboard.press('Backspace');
    const rows = await waitFor('the JSON checker to report the syntax error', async () => {
      const now = await problemsPanelRows(page);
      return !now.some((row) => row.includes('got 12')) && now.some((row) => /Expected comma/.test(row)) && now;
    });
    assert.deepEqual(
      rows.filter((row) => /got 12|not valid JSON/.test(row)),
      [],
      `only the JSON checker: ${JSON.stringify(rows)}`,
    );
    await page.keyboard.type(',');
  },
);

test('hovering a config key shows its default and range', { timeout: 120_000 }, async () => {
  const { vscode } = session;
  const { page } = vscode;
  await openFile(page, 'edit.moe.json');
  const key = page.locator('.editor-instance .view-line span', { hasText: 'topK' }).first();
  await key.hover();
  const hover = page.locator('.monaco-hover:not(.hidden)').first();
  await hover.waitFor({ state: 'visible', timeout: 20_000 });
  const text = await waitFor('the hover text', async () => {
    const now = await hover.innerText();
    return now.includes('Default') && now;
  });
  assert.match(text, /Experts picked per token/);
  assert.match(text, /Default: 2 · range 1 … 64 · whole numbers/);
  await vscode.screenshot('config-hover-default-range');
});

test(
  'Start Run on a config with unsaved edits asks first; Cancel starts nothing and saves nothing',
  { timeout: 120_000 },
  async () => {
    const { vscode, workspace } = session;
    const { page } = vscode;
    await openFile(page, 'edit.moe.json');
    // An unsaved edit: a space after the run's name.
    await goToLineWith(page, EDIT, '"name"');
    await page.keyboard.type(' ');
    const onDisk = readFileSync(join(workspace, 'edit.moe.json'), 'utf8');
    await runCommand(page, 'MoE Lens: Start Run');
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 30_000 });
    const message = await dialog.innerText();
    assert.match(message, /edit\.moe\.json has unsaved changes/);
    assert.match(message, /Save and Start/);
    assert.match(message, /Start the Saved Version/);
    await vscode.screenshot('config-start-unsaved-asks');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });
    assert.deepEqual(runFolders(workspace), [], 'no run started');
    assert.equal(
      readFileSync(join(workspace, 'edit.moe.json'), 'utf8'),
      onDisk,
      'the file on disk is as it was: nothing saved',
    );
  },
);
