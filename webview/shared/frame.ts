/** Runs a callback at most once per animation frame however often it is requested. */
export function perFrame(callback: () => void): () => void {
  let requested = false;
  return () => {
    if (requested) return;
    requested = true;
    requestAnimationFrame(() => {
      requested = false;
      callback();
    });
  };
}

/** Redraws for live data take at most this share of the time: a slow draw makes them rarer. */
const LIVE_DRAW_SHARE = 0.2;

/**
 * Throttles redraws asked for by live data: the first at once, then at most one every `minIntervalMs`,
 * and further apart when drawing is slow (`lastDrawMs`: how long the last draw took), so that drawing
 * takes at most a fifth of the time. A fast run sends data ten times a second; the page, the editor
 * and the trainer share the machine's cores (a dashboard redrawing as fast as it could kept VS Code's
 * window busy enough that a save dialog took 10 s to write its file).
 */
export function liveRedraw(redraw: () => void, lastDrawMs: () => number, minIntervalMs = 400): () => void {
  let timer: ReturnType<typeof setTimeout> | undefined;
  let lastRedraw = -Infinity;
  return () => {
    if (timer) return;
    const interval = Math.max(minIntervalMs, lastDrawMs() / LIVE_DRAW_SHARE);
    timer = setTimeout(
      () => {
        timer = undefined;
        lastRedraw = performance.now();
        redraw();
      },
      Math.max(0, lastRedraw + interval - performance.now()),
    );
  };
}
