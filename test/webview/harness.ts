/**
 * Serves a webview bundle (dist/webview/<name>.js and .css) in the very page the extension builds
 * (extension/webviews/html.ts: same CSP, nonce'd scripts), preceded by harness/host.js, which stands in
 * for acquireVsCodeApi; and drives it in headless Debian Chromium through playwright-core.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { extname, join, normalize } from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { webviewHtml } from '../../extension/webviews/html';
import type { HostToWebviewMessage } from '../../protocol/webviewMessages';

const ROOT = process.cwd();
const TYPES: Record<string, string> = { '.js': 'text/javascript', '.css': 'text/css', '.html': 'text/html' };

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export class WebviewHarness {
  private constructor(
    private readonly server: Server,
    readonly origin: string,
    readonly browser: Browser,
  ) {}

  static async start(): Promise<WebviewHarness> {
    const server = createServer((req, res) => {
      const url = new URL(req.url ?? '/', 'http://127.0.0.1');
      const page = /^\/view\/(dashboard|routing)$/.exec(url.pathname);
      if (page) {
        const origin = `http://${req.headers.host}`;
        res.writeHead(200, { 'content-type': 'text/html' });
        res.end(
          webviewHtml({
            title: page[1],
            cspSource: origin,
            styles: [`${origin}/test/webview/harness/theme.css`, `${origin}/dist/webview/${page[1]}.css`],
            scripts: [`${origin}/test/webview/harness/host.js`, `${origin}/dist/webview/${page[1]}.js`],
          }),
        );
        return;
      }
      const file = normalize(join(ROOT, url.pathname));
      const allowed = ['dist/webview/', 'test/webview/harness/'].some((dir) => file.startsWith(join(ROOT, dir)));
      try {
        if (!allowed) throw new Error('not served');
        const body = readFileSync(file);
        res.writeHead(200, { 'content-type': TYPES[extname(file)] ?? 'application/octet-stream' });
        res.end(body);
      } catch {
        res.writeHead(404).end();
      }
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const address = server.address();
    const port = typeof address === 'object' && address ? address.port : 0;
    const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', headless: true, args: CHROMIUM_ARGS });
    return new WebviewHarness(server, `http://127.0.0.1:${port}`, browser);
  }

  /** Opens a webview page; `initialState` is what getState() returns (a restored webview). */
  async open(
    view: 'dashboard' | 'routing',
    options: { theme?: string; width?: number; height?: number; initialState?: unknown } = {},
  ) {
    const page = await this.browser.newPage({
      viewport: { width: options.width ?? 1200, height: options.height ?? 900 },
    });
    const problems: string[] = [];
    page.on('console', (m) => {
      // the tests' own pixel reads (getImageData) make Chromium suggest willReadFrequently
      if (m.text().includes('willReadFrequently')) return;
      if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    await page.route('**/*', (route) =>
      route.request().url().startsWith(this.origin) ? route.continue() : route.abort(),
    );
    if (options.initialState !== undefined) {
      await page.addInitScript(
        (state) => ((window as unknown as { __initialState: unknown }).__initialState = state),
        options.initialState,
      );
    }
    await page.goto(`${this.origin}/view/${view}?theme=${options.theme ?? 'vscode-dark'}`);
    await page.waitForFunction(() =>
      (window as unknown as { __posted: { type: string }[] }).__posted.some((m) => m.type === 'ready'),
    );
    return { page, problems };
  }

  async stop(): Promise<void> {
    await this.browser.close();
    await new Promise((resolve) => this.server.close(resolve));
  }
}

/** Posts a host message to the webview, as VS Code's webview.postMessage does. */
export const send = (page: Page, message: HostToWebviewMessage) =>
  page.evaluate((m) => window.postMessage(m, '*'), message);

export const posted = (page: Page) => page.evaluate(() => (window as unknown as { __posted: unknown[] }).__posted);

export const cspViolations = (page: Page) =>
  page.evaluate(() => (window as unknown as { __cspViolations: string[] }).__cspViolations);

/** RGBA of a canvas's backing-store pixel at a point given in CSS pixels of the canvas. */
export function canvasPixel(page: Page, selector: string, x: number, y: number): Promise<number[]> {
  return page.evaluate(
    ([sel, px, py]) => {
      const canvas = document.querySelector(sel) as HTMLCanvasElement;
      const scale = canvas.width / canvas.clientWidth;
      const data = canvas.getContext('2d')!.getImageData(Math.floor(px * scale), Math.floor(py * scale), 1, 1).data;
      return [...data];
    },
    [selector, x, y] as const,
  );
}

export const canvasSize = (page: Page, selector: string) =>
  page.evaluate((sel) => {
    const c = document.querySelector(sel) as HTMLCanvasElement;
    return { width: c.clientWidth, height: c.clientHeight };
  }, selector);

/** Waits until the next frames have been drawn (renders are batched per animation frame). */
export const frames = (page: Page) =>
  page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));

/** The page's JS heap in MB after a forced garbage collection (CDP). */
export async function jsHeapMB(page: Page): Promise<number> {
  const cdp = await page.context().newCDPSession(page);
  await cdp.send('HeapProfiler.collectGarbage');
  const { usedSize } = (await cdp.send('Runtime.getHeapUsage')) as { usedSize: number };
  await cdp.detach();
  return usedSize / 2 ** 20;
}
