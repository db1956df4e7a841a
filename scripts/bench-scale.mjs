// `npm run bench:scale [-- --steps N --counts-every N --no-vscode]`: builds the bundles, compiles the
// scale bench (test/scale/) and runs it: a 64 × 512, 100,000-step compact log; see docs/scale.md.
import { execFileSync } from 'node:child_process';
import { bundleForNode } from './bundleForNode.mjs';

// Bundled to out/test/scale/: the end-to-end harness it opens VS Code with finds the repo three folders up.
await bundleForNode({
  'test/scale/bench-scale': 'test/scale/bench.ts',
  'test/scale/bench-scale-host': 'test/scale/hostSide.ts',
});
// --experimental-websocket: the extension host's heap is read through its inspector (test/scale/extensionHostHeap.ts).
execFileSync(
  process.execPath,
  ['--experimental-websocket', 'out/test/scale/bench-scale.js', ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
