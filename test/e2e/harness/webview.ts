/** Reading webviews: the frame holding an element, and what a canvas has drawn. */
import type { Frame, Page } from 'playwright-core';
import { waitFor } from './wait';

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
