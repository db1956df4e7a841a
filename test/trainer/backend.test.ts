// Backend choice: auto falls back to wasm and says why; native packages are also looked for in
// $MOE_LENS_NATIVE_MODULES (where the extension installs them), and one that fails to load is named.
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { ofType, readEvents, runTrainer, tempDir, TINY } from './helpers';

/** A package folder whose main module throws, like tfjs-node without its libtensorflow. */
function brokenPackage(root: string, name: string): void {
  const dir = join(root, 'node_modules', ...name.split('/'));
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'package.json'), JSON.stringify({ name, version: '4.22.0', main: 'index.js' }));
  writeFileSync(join(dir, 'index.js'), "throw new Error('libtensorflow.so.2: cannot open shared object file');\n");
}

test('auto: wasm, with the reason; a broken native package in MOE_LENS_NATIVE_MODULES is reported', () => {
  const dir = tempDir('backend');
  const native = join(dir, 'native');
  brokenPackage(native, '@tensorflow/tfjs-node');
  // the extension passes the node_modules folder of its global storage
  const env = { MOE_LENS_NATIVE_MODULES: join(native, 'node_modules') };
  const runDir = join(dir, 'run');
  const result = runTrainer(['--config', TINY, '--out', runDir, '--backend', 'auto', '--steps', '3'], env);
  assert.equal(result.code, 0, result.stderr);
  const [start] = ofType(readEvents(runDir), 'start');
  assert.equal(start.backend.name, 'wasm');
  // (first, what auto found of webgpu: webgpuBackend.test.ts)
  assert.match(start.backend.reason, /^auto: webgpu: [^;]+; /);
  assert.ok(
    start.backend.reason.endsWith(
      '; @tensorflow/tfjs-node-gpu not installed; @tensorflow/tfjs-node installed but failed to load: libtensorflow.so.2: cannot open shared object file',
    ),
    start.backend.reason,
  );

  const explicit = runTrainer(['--config', TINY, '--out', join(dir, 'explicit'), '--backend', 'tensorflow'], env);
  assert.equal(explicit.code, 2);
  assert.match(
    explicit.stderr,
    /backend "tensorflow" needs the npm package @tensorflow\/tfjs-node: installed but failed to load: libtensorflow/,
  );
});
