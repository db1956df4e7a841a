/**
 * End-to-end harness: a real VS Code (code-server, scripts/code-server.mjs) with MoE Lens installed,
 * driven like a user through Debian's Chromium (playwright-core). Recipe: shared docs/vscode-e2e.md.
 * Every wait polls with a generous deadline; nothing sleeps for a fixed time to "let things settle".
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { parseEventLine, RUN_FILES, type TrainerEvent } from '../../protocol/events';
import type * as CodeServerModule from '../../scripts/code-server.mjs';

/** The bundled test lives in out/test/e2e/; the repo root is three folders up. */
export const repoRoot = resolve(__dirname, '../../..');
export const resultsDir = join(repoRoot, 'test-results');

/** Loaded at run time rather than bundled: the module finds the repo through import.meta.url. */
function codeServerModule(): Promise<typeof CodeServerModule> {
  return import(pathToFileURL(join(repoRoot, 'scripts/code-server.mjs')).href);
}

/** Installs what the tests need when it is missing (system packages as root, code-server into .cache/). */
export async function ensureVsCodeInstalled(): Promise<void> {
  const { ensureAptPrerequisites, ensureCodeServer } = await codeServerModule();
  ensureAptPrerequisites();
  ensureCodeServer();
}

/** A fresh workspace folder: a copy of examples/ plus `files` (relative path -> content). */
export async function makeWorkspace(name: string, files: Record<string, string> = {}): Promise<string> {
  const { copyExamplesWorkspace } = await codeServerModule();
  const folder = join(mkdtempSync(join(tmpdir(), `moe-lens-e2e-${name}-`)), 'workspace');
  copyExamplesWorkspace(folder);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  return folder;
}

export interface WaitOptions {
  timeoutMs?: number;
  intervalMs?: number;
}

/** Polls `probe` until it returns something other than undefined/false; fails naming `what` and the last value seen. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined | false> | T | undefined | false,
  { timeoutMs = 60_000, intervalMs = 250 }: WaitOptions = {},
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await probe();
      if (value !== undefined && value !== false) return value;
      lastError = undefined;
    } catch (error) {
      lastError = error;
    }
    if (Date.now() > deadline) {
      const detail = lastError instanceof Error ? `: ${lastError.message}` : '';
      throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}${detail}`);
    }
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

export interface VsCode {
  page: Page;
  workspace: string;
  /** screenshot to test-results/<name>.png */
  screenshot(name: string): Promise<string>;
  /** code-server's recent output, for failure messages */
  serverLog(): string;
  /** console messages of the page and its frames (webviews included) so far */
  consoleMessages(): string[];
  /** Closes the browser and stops code-server like closing the window; resolves with the pids that
   * did not exit by themselves within the grace period and had to be killed. */
  close(): Promise<number[]>;
}

const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

/** Starts code-server on `workspace` and opens it in a fresh headless Chromium. */
export async function openVsCode(options: {
  /** names the screenshot taken at close: test-results/<name>-at-close.png (what a failure looked like) */
  name: string;
  workspace: string;
  trust: boolean;
  userSettings?: Record<string, unknown>;
}): Promise<VsCode> {
  const { startCodeServer } = await codeServerModule();
  const server = await startCodeServer(options);
  const profile = mkdtempSync(join(tmpdir(), 'moe-lens-chromium-'));
  let context: BrowserContext | undefined;
  const close = async () => {
    const page = context?.pages()[0];
    await page?.screenshot({ path: join(resultsDir, `${options.name}-at-close.png`) }).catch(() => undefined);
    // Closing the page ends the extension host: note its processes first, to see them all exit.
    const tree = server.processTree();
    await context?.close().catch(() => undefined);
    const killed = await server.stop(undefined, tree);
    rmSync(profile, { recursive: true, force: true });
    return killed;
  };
  try {
    context = await chromium.launchPersistentContext(profile, {
      executablePath: '/usr/bin/chromium',
      headless: true,
      args: CHROMIUM_ARGS,
      viewport: { width: 1400, height: 900 },
    });
    // Nothing may leave the machine: only the local server, data: and blob: URLs load.
    await context.route('**/*', (route) => {
      const url = route.request().url();
      const local = url.startsWith('http://127.0.0.1:') || url.startsWith('data:') || url.startsWith('blob:');
      return local ? route.continue() : route.abort();
    });
    mkdirSync(resultsDir, { recursive: true });
    const page = context.pages()[0] ?? (await context.newPage());
    const messages: string[] = [];
    page.on('console', (message) => void messages.push(`${message.type()}: ${message.text()}`));
    await page.goto(server.workspaceUrl);
    await page.waitForSelector('.monaco-workbench', { timeout: 60_000 });
    return {
      page,
      workspace: options.workspace,
      screenshot: async (name) => {
        const path = join(resultsDir, `${name}.png`);
        await page.screenshot({ path });
        return path;
      },
      serverLog: server.log,
      consoleMessages: () => [...messages],
      close,
    };
  } catch (error) {
    await close();
    throw error;
  }
}

export interface TestSession {
  /** the VS Code of this test file (set once `before` ran) */
  readonly vscode: VsCode;
  readonly workspace: string;
}

/**
 * One VS Code for the tests of a file: `before` them, installs what is missing, makes a fresh
 * workspace (examples/ plus `files`) and opens it; `after` them, closes it.
 */
export function vsCodeForTests(options: {
  name: string;
  trust: boolean;
  files?: Record<string, string>;
  userSettings?: Record<string, unknown>;
  /** runs on the fresh workspace before VS Code opens it */
  prepare?: (workspace: string) => void;
}): TestSession {
  const session: { vscode?: VsCode; workspace?: string } = {};
  before(
    async () => {
      await ensureVsCodeInstalled();
      session.workspace = await makeWorkspace(options.name, options.files);
      options.prepare?.(session.workspace);
      session.vscode = await openVsCode({ ...options, workspace: session.workspace });
    },
    { timeout: 600_000 },
  );
  after(async () => {
    await session.vscode?.close();
    if (session.workspace) rmSync(join(session.workspace, '..'), { recursive: true, force: true });
  });
  const ready = <T>(value: T | undefined): T => {
    if (value === undefined) throw new Error('VS Code did not start (see the before hook)');
    return value;
  };
  return {
    get vscode() {
      return ready(session.vscode);
    },
    get workspace() {
      return ready(session.workspace);
    },
  };
}

const quickInput = '.quick-input-widget';
const quickInputRows = `${quickInput} .quick-input-list .monaco-list-row`;

/**
 * Opens the quick input (F1), types `text` and presses Enter once a row containing `rowText` shows.
 * The quick input's list is fixed when it opens (a command the extension host has not registered
 * yet, or a file not indexed yet, never shows up in it): close and reopen until the row is there.
 */
async function chooseInQuickInput(page: Page, text: string, rowText: string, what: string, timeoutMs: number): Promise<void> {
  const input = page.locator(`${quickInput} input`);
  await waitFor(
    what,
    async () => {
      await page.keyboard.press('Escape');
      await page.keyboard.press('F1');
      await input.waitFor({ state: 'visible', timeout: 10_000 });
      await input.fill(text);
      try {
        await page.locator(quickInputRows).filter({ hasText: rowText }).first().waitFor({ state: 'visible', timeout: 3_000 });
      } catch {
        await page.keyboard.press('Escape');
        return false;
      }
      await input.press('Enter');
      return true;
    },
    { timeoutMs, intervalMs: 1_000 },
  );
}

/** Runs a command from the command palette by its full title, e.g. "MoE Lens: Start Run". */
export async function runCommand(page: Page, title: string, timeoutMs = 90_000): Promise<void> {
  await chooseInQuickInput(page, `>${title}`, title, `"${title}" in the command palette`, timeoutMs);
}

/** Opens a workspace file by name through Quick Open, as a user would with Ctrl+P. */
export async function openFile(page: Page, fileName: string): Promise<void> {
  await chooseInQuickInput(page, fileName, fileName, `${fileName} in Quick Open`, 60_000);
  await page.locator(`.tabs-container .tab.active`, { hasText: fileName }).waitFor({ timeout: 30_000 });
}

/** Picks the row with `label` in the quick pick an extension opened (waits for it to appear). */
export async function pickQuickItem(page: Page, label: string | RegExp, timeoutMs = 30_000): Promise<void> {
  const rows = page.locator(quickInputRows);
  const row = rows.filter({ has: page.locator('.label-name', { hasText: label }) }).first();
  await row.waitFor({ state: 'visible', timeout: timeoutMs });
  await row.click();
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
    const read = new Function(`return (${source})`)() as () => RunsTreeItem[];
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
    new MutationObserver(record).observe(document.body, { subtree: true, childList: true, characterData: true, attributes: true });
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

/** "loss-free · 12/20 · running" -> { balancer, step, total, status } */
export function parseRunDescription(description: string): { balancer: string; step: number; total: number; status: string } | undefined {
  const match = /^(.+) · (\d+)\/(\d+) · (\w+)$/.exec(description);
  return match ? { balancer: match[1], step: Number(match[2]), total: Number(match[3]), status: match[4] } : undefined;
}

/** Opens `configFile` and runs "MoE Lens: Start Run" from the palette (the active editor's config). */
export async function runStartRunOn(page: Page, configFile: string): Promise<void> {
  await openFile(page, configFile);
  await runCommand(page, 'MoE Lens: Start Run');
}

/** Start Run on `configFile` with `balancer` picked in the quick pick. */
export async function startRunFromPalette(page: Page, configFile: string, balancer: string): Promise<void> {
  await runStartRunOn(page, configFile);
  await pickQuickItem(page, new RegExp(`^${balancer.replace(/[+]/g, '\\+')}$`));
}

/** Waits for a notification toast containing `text` to be shown (faded in) and returns all its text. */
export async function waitForNotification(page: Page, text: string, timeoutMs = 60_000): Promise<string> {
  const toast = page.locator('.notifications-toasts .notification-toast.notification-fade-in-done', { hasText: text }).first();
  try {
    await toast.waitFor({ state: 'visible', timeout: timeoutMs });
  } catch {
    const shown = await page.locator('.notifications-toasts .notification-toast').allInnerTexts();
    throw new Error(`no notification containing "${text}" within ${timeoutMs / 1000} s; shown: ${JSON.stringify(shown)}`);
  }
  return toast.innerText();
}

/** The frame (webview content, nested two iframes deep) that has an element matching `selector`. */
export async function frameWith(page: Page, selector: string, timeoutMs = 60_000): Promise<Frame> {
  return waitFor(
    `a webview showing ${selector}`,
    async () => {
      for (const frame of page.frames()) {
        if (await frame.$(selector).catch(() => null)) return frame;
      }
      return undefined;
    },
    { timeoutMs, intervalMs: 500 },
  );
}

/**
 * How many pixels of `canvasSelector` differ from the page background, read from the canvas itself
 * (what was drawn, not what a screenshot of it looks like).
 */
export async function drawnPixels(frame: Frame, canvasSelector: string): Promise<number> {
  return frame.$eval(canvasSelector, (element) => {
    const canvas = element as HTMLCanvasElement;
    if (canvas.width === 0 || canvas.height === 0) return 0;
    const context = canvas.getContext('2d');
    if (!context) return 0;
    const background = getComputedStyle(document.body).backgroundColor.match(/\d+/g)?.map(Number) ?? [0, 0, 0];
    const { data } = context.getImageData(0, 0, canvas.width, canvas.height);
    let drawn = 0;
    for (let i = 0; i < data.length; i += 4) {
      if (data[i + 3] === 0) continue;
      const distance =
        Math.abs(data[i] - background[0]) + Math.abs(data[i + 1] - background[1]) + Math.abs(data[i + 2] - background[2]);
      if (distance > 24) drawn++;
    }
    return drawn;
  });
}

type ConfigPatch = { model?: Record<string, unknown>; training?: Record<string, unknown>; balancer?: Record<string, unknown> };

/** examples/tiny.moe.json (the config the examples keep for tests) renamed and with `patch` applied. */
export function tinyVariant(name: string, patch: ConfigPatch = {}): string {
  const tiny = JSON.parse(readFileSync(join(repoRoot, 'examples', 'tiny.moe.json'), 'utf8')) as Record<string, Record<string, unknown>>;
  // $schema is relative to examples/; the extension's jsonValidation covers *.moe.json anyway.
  const { $schema: _schema, ...rest } = tiny;
  const config: Record<string, unknown> = { ...rest, name };
  for (const [section, values] of Object.entries(patch)) config[section] = { ...tiny[section], ...values };
  return JSON.stringify(config, null, 2) + '\n';
}

/** Whether process `pid` still runs (a zombie, dead but not yet reaped, does not). */
export function processRuns(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Trains `config` (a workspace file) with the real trainer outside VS Code into .moe-runs/<runFolder>. */
export function trainOutsideVsCode(workspace: string, config: string, runFolder: string): void {
  const args = [join(repoRoot, 'dist', 'trainer.js'), '--config', join(workspace, config), '--out', join(workspace, '.moe-runs', runFolder)];
  execFileSync(process.execPath, args, { stdio: 'ignore', timeout: 120_000 });
}

/** The run folders in the workspace's runs directory (.moe-runs). */
export function runFolders(workspace: string): string[] {
  const dir = join(workspace, '.moe-runs');
  return existsSync(dir) ? readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory()) : [];
}

/** The events a run's trainer wrote so far (events.jsonl). */
export function runEvents(workspace: string, runFolder: string): TrainerEvent[] {
  const file = join(workspace, '.moe-runs', runFolder, RUN_FILES.events);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop(); // '' after the last newline, or a line the trainer is still writing
  return lines
    .map(parseEventLine)
    .filter((event): event is TrainerEvent => event !== undefined);
}
