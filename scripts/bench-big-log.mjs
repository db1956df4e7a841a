// `npm run bench:bigLog [-- --gib N]`: writes an event log of N GiB (default 2) of step events of an
// 8-layer × 64-expert run (a start event first, a 64 MiB line and a few bad lines on the way), then
// reads it the way the extension host does (test/bench/bigLog.ts, bundled to out/bench-big-log.js:
// EventLogTail batch by batch into a RunSummary) and prints the time, events and problems seen, and the peak RSS. The log is deleted after.
import { execFileSync } from 'node:child_process';
import { closeSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bundleForNode } from './bundleForNode.mjs';

const gib = Number(process.argv[process.argv.indexOf('--gib') + 1] || 2);
const dir = mkdtempSync(join(tmpdir(), 'moe-big-log-'));
const file = join(dir, 'events.jsonl');
const layers = 8;
const experts = 64;
const config = JSON.parse(
  execFileSync(
    process.execPath,
    [
      '-e',
      `
  require('esbuild').buildSync({ entryPoints: ['protocol/runConfig.ts'], bundle: true, platform: 'node', format: 'cjs', outfile: '${dir}/rc.js', logLevel: 'error' });
  const { resolveRunConfig } = require('${dir}/rc.js');
  process.stdout.write(JSON.stringify(resolveRunConfig({ model: { layers: ${layers}, experts: ${experts}, topK: 2 }, training: { steps: 10000000 } })));
`,
    ],
    { encoding: 'utf8' },
  ),
);
const time = '2026-01-01T00:00:00.000Z';
const start = {
  v: 1,
  time,
  type: 'start',
  step: 0,
  runName: 'big',
  config,
  backend: { name: 'wasm', reason: 'bench' },
  parameters: { total: 1, activePerToken: 1, experts: 1, routers: 1 },
  moeLayers: Array.from({ length: layers }, (_, i) => i),
  tokenizer: { kind: 'char', vocabSize: 90 },
  data: { sources: [], trainTokens: 1, validationTokens: 1 },
  versions: { trainer: '0', tfjs: '0', node: process.version },
  pid: 1,
};
const counts = Array.from({ length: layers }, () => Array.from({ length: experts }, (_, e) => 1000 + e));
const step = (n) =>
  JSON.stringify({
    v: 1,
    time,
    type: 'step',
    step: n,
    loss: 3,
    lmLoss: 3,
    terms: {},
    lr: 1e-3,
    gradNorm: 1,
    tokensPerSecond: 1000,
    expertCounts: counts,
    maxVioBatch: Array(layers).fill(0.03),
    maxVioBatchMean: 0.03,
  }) + '\n';

const target = gib * 1024 ** 3;
const fd = openSync(file, 'w');
let written = 0;
let n = 0;
const write = (text) => {
  const bytes = Buffer.from(text);
  writeSync(fd, bytes);
  written += bytes.length;
};
const t0 = Date.now();
write(JSON.stringify(start) + '\n');
let longLine = false;
let bad = 0;
while (written < target) {
  if (!longLine && n >= 5000) {
    write('x'.repeat(64 * 1024 * 1024) + '\n'); // a line over the limit
    longLine = true;
  }
  if (Math.floor(n / 100_000) > bad) {
    bad++;
    write('{"v":1,"type":"step","step":"bad"}\n');
  }
  let chunk = '';
  for (let i = 0; i < 256; i++) chunk += step(++n);
  write(chunk);
}
closeSync(fd);
console.log(
  `wrote ${(written / 1024 ** 3).toFixed(2)} GiB (${n} step events) in ${((Date.now() - t0) / 1000).toFixed(1)} s`,
);
try {
  await bundleForNode({ 'bench-big-log': 'test/bench/bigLog.ts' });
  execFileSync(process.execPath, ['out/bench-big-log.js', file], { stdio: 'inherit' });
} finally {
  rmSync(dir, { recursive: true, force: true });
}
