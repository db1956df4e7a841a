/** Reading webviews: the frame holding an element, and what a canvas has drawn. */
import type { Frame, Page } from 'playwright-core';
import { waitFor } from './wait';
import { runsTreeRow } from './workbench';

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
        Math.abs(data[i] - background[0]) +
        Math.abs(data[i + 1] - background[1]) +
        Math.abs(data[i + 2] - background[2]);
      if (distance > 24) drawn++;
    }
    return drawn;
  });
}

/** The loss chart's drawn points in `frame` now (its data-points), 0 when it has none yet; never waits. */
export const lossPointsNow = (frame: Frame) =>
  frame
    .evaluate(() => Number(document.querySelector('canvas#chart-loss')?.getAttribute('data-points') ?? 0))
    .catch(() => 0);

/** Polls every frame every 20 ms until one passes `test` (a timing poll: frameWith polls every 500 ms). */
export async function frameWhere(page: Page, what: string, test: (frame: Frame) => Promise<boolean>): Promise<Frame> {
  return waitFor(
    what,
    async () => {
      for (const frame of page.frames()) if (await test(frame)) return frame;
      return undefined;
    },
    { intervalMs: 20, timeoutMs: 60_000 },
  );
}

/**
 * Clicks the run labelled `name` in the Runs tree and waits for a dashboard to draw its `points` loss
 * points: the ms from click to seen, when it was seen (epoch ms) and that dashboard's frame.
 */
export async function clickRunUntilDrawn(
  page: Page,
  name: string,
  points: number,
): Promise<{ ms: number; seen: number; frame: Frame }> {
  const row = runsTreeRow(page, name);
  await row.waitFor({ state: 'visible', timeout: 60_000 });
  const clicked = Date.now();
  await row.click();
  const frame = await frameWhere(
    page,
    `the ${name} run drawn with its ${points} loss points`,
    async (f) => (await lossPointsNow(f)) === points,
  );
  const seen = Date.now();
  return { ms: seen - clicked, seen, frame };
}
