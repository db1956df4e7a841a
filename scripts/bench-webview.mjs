// `npm run bench:webview [-- --steps N]`: builds the bundles, compiles test/webview/bench.ts and runs
// it (headless Chromium at /usr/bin/chromium). Prints a table of figures; see docs/webview-bench.md.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';

execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
await esbuild.build({
  entryPoints: ['test/webview/bench.ts'],
  outfile: 'out/bench-webview.js',
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'es2022',
  packages: 'external',
  logLevel: 'warning',
});
execFileSync(process.execPath, ['--max-old-space-size=4096', 'out/bench-webview.js', ...process.argv.slice(2)], { stdio: 'inherit' });
