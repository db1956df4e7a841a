// Draws media/icon.png (128×128, the Marketplace/extension icon): an expert-load heatmap seen
// through a lens. No image library: shapes are sampled 4×4 per pixel, written as PNG with zlib.
// Run: node media/draw-icon.mjs
import { writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const SIZE = 128;
const SAMPLES = 4;
const BACKGROUND = [30, 36, 48];
const HEAT = [
  [0.35, 0.6, 0.45, 0.5],
  [0.55, 0.95, 0.4, 0.3],
  [0.3, 0.45, 0.7, 0.5],
  [0.5, 0.35, 0.55, 0.85],
];
const heatColor = (t) => [Math.round(40 + 215 * t), Math.round(90 + 120 * t * (1 - t) * 2), Math.round(200 - 170 * t)];

/** Colour (and coverage) of the point (x, y) in 0..128 coordinates. */
function shade(x, y) {
  const inside = (cx, cy, r) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r;
  // rounded-square tile
  const r = 24;
  const cx = Math.min(Math.max(x, r), SIZE - r);
  const cy = Math.min(Math.max(y, r), SIZE - r);
  if ((x - cx) ** 2 + (y - cy) ** 2 > r * r) return null;
  // lens handle
  const along = (x - 74 + (y - 74)) / Math.SQRT2;
  const across = Math.abs(x - 74 - (y - 74)) / Math.SQRT2;
  if (along > 0 && along < 44 && across < 7) return [230, 232, 238];
  // lens ring and the heatmap seen through it
  if (inside(54, 54, 42) && !inside(54, 54, 35)) return [230, 232, 238];
  if (inside(54, 54, 35)) {
    const col = Math.floor((x - 22) / 16);
    const row = Math.floor((y - 22) / 16);
    if (col >= 0 && col < 4 && row >= 0 && row < 4 && (x - 22) % 16 < 14.5 && (y - 22) % 16 < 14.5)
      return heatColor(HEAT[row][col]);
    return [22, 26, 36];
  }
  return BACKGROUND;
}

const rows = [];
for (let py = 0; py < SIZE; py++) {
  const row = Buffer.alloc(1 + SIZE * 4); // filter byte 0, then RGBA
  for (let px = 0; px < SIZE; px++) {
    const sum = [0, 0, 0, 0];
    for (let sy = 0; sy < SAMPLES; sy++) {
      for (let sx = 0; sx < SAMPLES; sx++) {
        const c = shade(px + (sx + 0.5) / SAMPLES, py + (sy + 0.5) / SAMPLES);
        if (!c) continue;
        sum[0] += c[0];
        sum[1] += c[1];
        sum[2] += c[2];
        sum[3] += 1;
      }
    }
    const n = sum[3];
    row.set(
      n ? [sum[0] / n, sum[1] / n, sum[2] / n, (255 * n) / SAMPLES ** 2].map(Math.round) : [0, 0, 0, 0],
      1 + px * 4,
    );
  }
  rows.push(row);
}

const crcTable = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
const crc32 = (buf) => {
  let c = 0xffffffff;
  for (const byte of buf) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
};
function chunk(type, data) {
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(data.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body), body.length + 4);
  return out;
}
const header = Buffer.alloc(13);
header.writeUInt32BE(SIZE, 0);
header.writeUInt32BE(SIZE, 4);
header.set([8, 6, 0, 0, 0], 8); // 8 bits, RGBA, deflate, no filter, no interlace
const png = Buffer.concat([
  Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
  chunk('IHDR', header),
  chunk('IDAT', deflateSync(Buffer.concat(rows), { level: 9 })),
  chunk('IEND', Buffer.alloc(0)),
]);
writeFileSync(new URL('./icon.png', import.meta.url), png);
console.log(`media/icon.png: ${png.length} bytes`);
