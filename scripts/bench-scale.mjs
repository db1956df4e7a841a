// `npm run bench:scale [-- --steps N --counts-every N]`: builds the bundles, compiles the scale bench
// (test/scale/) and runs it: a 64 × 512, 100,000-step compact log; see docs/scale.md.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';

execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
await esbuild.build({
  entryPoints: { 'bench-scale': 'test/scale/bench.ts', 'bench-scale-host': 'test/scale/hostSide.ts' },
  outdir: 'out',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  packages: 'external',
  logLevel: 'warning',
});
execFileSync(process.execPath, ['out/bench-scale.js', ...process.argv.slice(2)], { stdio: 'inherit' });
