/** A real VS Code (code-server) with MoE Lens, opened in a fresh headless Chromium; one per test file. */
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before } from 'node:test';
import { chromium, type BrowserContext, type Page } from 'playwright-core';
import { CHROMIUM_ARGS } from '../../webview/harness';
import { codeServerModule, ensureVsCodeInstalled, makeWorkspace, resultsDir } from './workspace';

export interface VsCode {
  page: Page;
  workspace: string;
  /** code-server's --user-data-dir: User/settings.json, logs/ (output channels) */
  userDataDir: string;
  /** screenshot to test-results/<name>.png */
  screenshot(name: string): Promise<string>;
  /** code-server's recent output, for failure messages */
  serverLog(): string;
  /** console messages of the page and its frames (webviews included) so far */
  consoleMessages(): string[];
  /** pids of code-server's processes now (the extension host among them) */
  processTree(): number[];
  /** Closes the browser and stops code-server like closing the window; resolves with the pids that
   * did not exit by themselves within the grace period and had to be killed. */
  close(): Promise<number[]>;
}

/**
 * Settings of every test window. The workbench's hovers (tooltips of tabs, tree rows, the status bar)
 * open after a delay where the mouse rests after a click, and one took the next click in CI: tests
 * read what those tooltips say from the DOM. Editor hovers (editor.hover.delay) stay: a test uses them.
 */
const TEST_SETTINGS = { 'workbench.hover.delay': 3_600_000 };

/** Starts code-server on `workspace` and opens it in a fresh headless Chromium. */
export async function openVsCode(options: {
  /** names the screenshot taken at close: test-results/<name>-at-close.png (what a failure looked like) */
  name: string;
  workspace: string;
  trust: boolean;
  userSettings?: Record<string, unknown>;
}): Promise<VsCode> {
  const { startCodeServer } = await codeServerModule();
  const server = await startCodeServer({ ...options, userSettings: { ...TEST_SETTINGS, ...options.userSettings } });
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
      userDataDir: server.userDataDir,
      screenshot: async (name) => {
        const path = join(resultsDir, `${name}.png`);
        await page.screenshot({ path });
        return path;
      },
      serverLog: () => server.log(),
      consoleMessages: () => [...messages],
      processTree: () => server.processTree(),
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
