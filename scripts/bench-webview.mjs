// `npm run bench:webview [-- --steps N]`: builds the bundles, compiles test/webview/bench.ts and runs
// it (headless Chromium at /usr/bin/chromium). Prints a table of figures; see docs/webview-bench.md.
import { execFileSync } from 'node:child_process';
import { bundleForNode } from './bundleForNode.mjs';

await bundleForNode({ 'bench-webview': 'test/webview/bench.ts' });
execFileSync(process.execPath, ['--max-old-space-size=4096', 'out/bench-webview.js', ...process.argv.slice(2)], { stdio: 'inherit' });
