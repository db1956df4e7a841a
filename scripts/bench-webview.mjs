// `npm run bench:webview [-- --steps N] [-- --vscode-only]`: builds the bundles, then
// 1. test/webview/bench.ts: the dashboard bundle alone in headless Chromium (/usr/bin/chromium) on a
//    synthetic N-step log (default 100,000): first render, heap, scrub (docs/webview-bench.md);
// 2. test/e2e/bench/main.ts: in a real VS Code (code-server, the end-to-end harness): a finished
//    run's dashboard drawn after opening it, and Start Run's Enter to the first loss point.
// Prints tables of figures; asserts nothing.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';

const args = process.argv.slice(2);
const vscodeOnly = args.includes('--vscode-only');
const bundle = (entry, outfile) =>
  esbuild.build({ entryPoints: [entry], outfile, bundle: true, platform: 'node', format: 'cjs', target: 'es2022', packages: 'external', logLevel: 'warning' });

execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
if (!vscodeOnly) {
  await bundle('test/webview/bench.ts', 'out/bench-webview.js');
  execFileSync(process.execPath, ['--max-old-space-size=4096', 'out/bench-webview.js', ...args.filter((a) => a !== '--vscode-only')], { stdio: 'inherit' });
}
// The harness finds the repo three folders above its bundle (out/test/e2e/).
await bundle('test/e2e/bench/main.ts', 'out/test/e2e/bench-vscode.js');
execFileSync(process.execPath, ['out/test/e2e/bench-vscode.js'], { stdio: 'inherit' });
