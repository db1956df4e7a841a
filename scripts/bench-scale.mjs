// `npm run bench:scale [-- --steps N --counts-every N]`: builds the bundles, compiles the scale bench
// (test/scale/) and runs it: a 64 × 512, 100,000-step compact log; see docs/scale.md.
import { execFileSync } from 'node:child_process';
import { bundleForNode } from './bundleForNode.mjs';

await bundleForNode({ 'bench-scale': 'test/scale/bench.ts', 'bench-scale-host': 'test/scale/hostSide.ts' });
execFileSync(process.execPath, ['out/bench-scale.js', ...process.argv.slice(2)], { stdio: 'inherit' });
