// The throttle of live redraws (webview/shared/frame.ts): requests coalesce, the first is drawn without
// waiting for an interval, the next never sooner than the interval, nor sooner than five times the last draw's cost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { liveRedraw } from '../../webview/shared/frame';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Requests a redraw `times` times at once and resolves when it has run. */
function drawn(request: () => void, draws: number[], times: number): Promise<number> {
  const before = draws.length;
  for (let i = 0; i < times; i++) request();
  return (async () => {
    while (draws.length === before) await sleep(5);
    return draws[draws.length - 1];
  })();
}

test('live redraws coalesce and keep the interval; a slow draw spaces them by five times its cost', async () => {
  const draws: number[] = [];
  let cost = 0;
  const request = liveRedraw(
    () => draws.push(performance.now()),
    () => cost,
    60,
  );

  const first = await drawn(request, draws, 10);
  await sleep(20);
  assert.equal(draws.length, 1, 'ten requests, one redraw');
  const second = await drawn(request, draws, 3);
  assert.ok(second - first >= 59, `at least the 60 ms interval apart: ${second - first} ms`);

  cost = 40; // the last draw took 40 ms: the next waits 200 ms
  const third = await drawn(request, draws, 1);
  assert.ok(third - second >= 199, `five times the draw's cost apart: ${third - second} ms`);
  assert.equal(draws.length, 3);
});
