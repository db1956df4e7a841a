// The expert palette is distinct for up to 64 experts, also for colour-blind readers: the smallest
// CIEDE2000 difference between two colours, with normal vision and simulated deuteranopia and
// protanopia (Machado et al. 2009), checked on the colours as shipped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ciede2000, minPairwiseDifference, rgbToLab, simulate } from '../../webview/model/colorVision';
import { EXPERT_PALETTE, expertColor } from '../../webview/model/colors';

test('CIEDE2000 matches the published test pairs (Sharma, Wu & Dalal 2005, table 1)', () => {
  const pairs: [number[], number[], number][] = [
    [[50, 2.6772, -79.7751], [50, 0, -82.7485], 2.0425],
    [[50, -1.3802, -84.2814], [50, 0, -82.7485], 1.0],
    [[50, 2.5, 0], [50, 0, -2.5], 4.3065],
    [[50, 2.5, 0], [73, 25, -18], 27.1492],
    [[60.2574, -34.0099, 36.2677], [60.4626, -34.1751, 39.4387], 1.2644],
    [[22.7233, 20.0904, -46.694], [23.0331, 14.973, -42.5619], 2.0373],
  ];
  for (const [a, b, expected] of pairs)
    assert.ok(Math.abs(ciede2000(a, b) - expected) < 1e-4, `${a} vs ${b}: ${ciede2000(a, b)} ≠ ${expected}`);
});

test('dichromat simulation: white stays white, pure red and green collapse for a deuteranope', () => {
  const white = simulate([255, 255, 255], 'deuteranopia');
  assert.ok(
    white.every((v) => Math.abs(v - 255) < 1),
    `white → ${white}`,
  );
  assert.ok(Math.abs(rgbToLab([255, 255, 255])[0] - 100) < 1e-3);
  const redGreen = ciede2000(
    rgbToLab(simulate([200, 60, 0], 'deuteranopia')),
    rgbToLab(simulate([120, 110, 0], 'deuteranopia')),
  );
  const normal = ciede2000(rgbToLab([200, 60, 0]), rgbToLab([120, 110, 0]));
  assert.ok(
    redGreen < normal / 2,
    `a red and an olive green: ${redGreen.toFixed(1)} for a deuteranope, ${normal.toFixed(1)} normally`,
  );
});

test('expert palette: 64 colours, the first 8 / 16 / 64 distinct under normal vision, deuteranopia and protanopia', () => {
  assert.equal(EXPERT_PALETTE.length, 64);
  const floors: [number, number][] = [
    [8, 15],
    [16, 10],
    [64, 4],
  ];
  for (const [n, floor] of floors) {
    for (const vision of ['normal', 'deuteranopia', 'protanopia'] as const) {
      const min = minPairwiseDifference(EXPERT_PALETTE.slice(0, n), vision);
      assert.ok(min >= floor, `first ${n} experts, ${vision}: smallest ΔE2000 ${min.toFixed(2)} < ${floor}`);
    }
  }
  assert.deepEqual(expertColor(64), expertColor(0), 'colours repeat past 64 experts');
});
