// One build for every bundle: trainer (Node), extension (VS Code host), webviews (browser), scripts.
// `node esbuild.mjs [--production] [--watch]`
import * as esbuild from 'esbuild';
import { copyFileSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const require = createRequire(import.meta.url);
const outdir = 'dist';

const common = {
  bundle: true,
  sourcemap: !production,
  minify: production,
  logLevel: 'warning',
  target: 'es2022',
};

/** Node bundles. tfjs is bundled in, so the packaged extension runs offline; the optional native
 * backends are loaded dynamically at run time and must stay external. */
const nodeBuild = {
  ...common,
  platform: 'node',
  format: 'cjs',
  external: ['vscode', '@tensorflow/tfjs-node', '@tensorflow/tfjs-node-gpu'],
  entryPoints: {
    trainer: 'trainer/cli.ts',
    bench: 'trainer/bench/bench.ts',
    compare: 'trainer/bench/compare.ts',
    extension: 'extension/extension.ts',
    'validate-log': 'tools/validateLog.ts',
  },
  outdir,
};

const webviewBuild = {
  ...common,
  platform: 'browser',
  format: 'iife',
  entryPoints: {
    'webview/dashboard': 'webview/dashboard/main.ts',
    'webview/routing': 'webview/routing/main.ts',
  },
  outdir,
  loader: { '.css': 'css' },
};

function copyAssets() {
  mkdirSync(outdir, { recursive: true });
  const wasmDir = dirname(require.resolve('@tensorflow/tfjs-backend-wasm/package.json'));
  for (const file of [
    'tfjs-backend-wasm.wasm',
    'tfjs-backend-wasm-simd.wasm',
    'tfjs-backend-wasm-threaded-simd.wasm',
  ]) {
    copyFileSync(join(wasmDir, 'dist', file), join(outdir, file));
  }
  // the paper presets of "Reproduce Paper…" (their configs are named relative to them)
  mkdirSync(join(outdir, 'papers'), { recursive: true });
  for (const file of readdirSync('examples/papers').filter((f) => f.endsWith('.json'))) {
    copyFileSync(join('examples/papers', file), join(outdir, 'papers', file));
  }
}

/** The editor's JSON Schema for *.moe.json, generated from the run config definition. */
async function writeSchema() {
  const result = await esbuild.build({
    entryPoints: ['protocol/runConfig.ts'],
    bundle: true,
    format: 'esm',
    platform: 'node',
    write: false,
  });
  const module = await import(
    'data:text/javascript;base64,' + Buffer.from(result.outputFiles[0].text).toString('base64')
  );
  writeFileSync(join(outdir, 'moe-run.schema.json'), JSON.stringify(module.runConfigJsonSchema(), null, 2) + '\n');
}

copyAssets();
await writeSchema();
const builds = [nodeBuild, webviewBuild];
if (watch) {
  for (const build of builds) await (await esbuild.context(build)).watch();
  console.log('esbuild: watching');
} else {
  await Promise.all(builds.map((build) => esbuild.build(build)));
}
