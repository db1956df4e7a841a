// Builds the extension's bundles (esbuild.mjs), then bundles TypeScript entry points of a bench or tool
// for Node into out/ (dependencies stay external). Shared by the bench scripts.
import * as esbuild from 'esbuild';
import { execFileSync } from 'node:child_process';

/** `entryPoints`: { outName: 'path/to/entry.ts' }; writes out/<outName>.js. */
export async function bundleForNode(entryPoints) {
  execFileSync(process.execPath, ['esbuild.mjs'], { stdio: 'inherit' });
  await esbuild.build({
    entryPoints,
    outdir: 'out',
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'es2022',
    packages: 'external',
    logLevel: 'warning',
  });
}
