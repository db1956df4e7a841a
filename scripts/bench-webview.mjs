// `npm run bench:webview [-- --steps N] [-- --vscode-only]`: builds the bundles, then
// 1. test/webview/bench.ts: the dashboard bundle alone in headless Chromium (/usr/bin/chromium) on a
//    synthetic N-step log (default 100,000): first render, heap, scrub (docs/webview-bench.md);
// 2. test/e2e/bench/main.ts: in a real VS Code (code-server, the end-to-end harness): a finished
//    run's dashboard drawn after opening it, and Start Run's Enter to the first loss point.
// Prints tables of figures; asserts nothing.
import { execFileSync } from 'node:child_process';
import { bundleForNode } from './bundleForNode.mjs';

const args = process.argv.slice(2);
// The harness finds the repo three folders above its bundle: out/test/e2e/.
await bundleForNode({ 'bench-webview': 'test/webview/bench.ts', 'test/e2e/bench-vscode': 'test/e2e/bench/main.ts' });
if (!args.includes('--vscode-only')) {
  execFileSync(
    process.execPath,
    ['--max-old-space-size=4096', 'out/bench-webview.js', ...args.filter((a) => a !== '--vscode-only')],
    { stdio: 'inherit' },
  );
}
execFileSync(process.execPath, ['out/test/e2e/bench-vscode.js'], { stdio: 'inherit' });
