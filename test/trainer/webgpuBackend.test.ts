// Choosing the webgpu backend: asked for, it trains on lavapipe and the start event names the
// adapter; `auto` never takes a software adapter and says why; a missing Dawn or a missing driver
// gives a message naming what failed and what to install.
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { test } from 'node:test';
import { applyEvent, createRunSummary } from '../../protocol/runModel/runState';
import { runHeaderDetails } from '../../webview/dashboard/headerText';
import { ofType, readEvents, runTrainer, tempDir, TINY, TRAINER } from './helpers';
import { GPU_ENV, requireLavapipe } from './webgpuSupport';

test('webgpu asked for: trains tiny.moe.json on lavapipe; the start event names the adapter', () => {
  const lavapipe = requireLavapipe();
  const runDir = join(tempDir('webgpu'), 'run');
  const result = runTrainer(['--config', TINY, '--out', runDir, '--backend', 'webgpu', '--steps', '4'], GPU_ENV);
  assert.equal(result.code, 0, result.stderr);
  const events = readEvents(runDir);
  const [start] = ofType(events, 'start');
  assert.equal(start.backend.name, 'webgpu');
  assert.deepEqual(start.backend.adapter, lavapipe);
  assert.match(start.backend.reason, /^requested; software adapter .*llvmpipe/);
  const steps = ofType(events, 'step');
  assert.deepEqual(
    steps.map((s) => s.step),
    [1, 2, 3, 4],
  );
  assert.ok(steps.every((s) => Number.isFinite(s.loss)));
  assert.deepEqual(
    ofType(events, 'end').map((e) => e.status),
    ['completed'],
  );

  // the run model carries the adapter and the reason to the dashboard header
  const summary = createRunSummary();
  events.forEach((event) => applyEvent(summary, event));
  assert.equal(summary.backendReason, start.backend.reason);
  const details = runHeaderDetails({
    id: 'r',
    name: 'tiny',
    balancer: summary.balancer,
    status: 'completed',
    step: 4,
    totalSteps: 4,
    backend: summary.backend,
    adapter: summary.adapter,
  });
  assert.match(details, /^aux-loss · backend webgpu on llvmpipe: Mesa .* \(mesa, software\)$/);
});

test('auto with only a software adapter: wasm, saying that auto never takes it', () => {
  requireLavapipe();
  const runDir = join(tempDir('webgpu-auto'), 'run');
  const result = runTrainer(['--config', TINY, '--out', runDir, '--backend', 'auto', '--steps', '3'], GPU_ENV);
  assert.equal(result.code, 0, result.stderr);
  const [start] = ofType(readEvents(runDir), 'start');
  assert.equal(start.backend.name, 'wasm');
  assert.equal(start.backend.adapter, undefined);
  assert.match(
    start.backend.reason,
    /^auto: webgpu: only a software adapter, llvmpipe.*which auto never takes \(ask for "webgpu" to use it\); @tensorflow\/tfjs-node-gpu/,
  );
});

test('webgpu without a Vulkan driver: exit 2, naming what failed and what to install', () => {
  const dir = tempDir('webgpu-noicd');
  // the Vulkan loader finds no driver at all
  const result = runTrainer(['--config', TINY, '--out', join(dir, 'run'), '--backend', 'webgpu'], {
    ...GPU_ENV,
    VK_ICD_FILENAMES: join(dir, 'none.json'),
  });
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /backend "webgpu" is unavailable: Dawn found no WebGPU adapter .*Vulkan driver on Linux/);
});

test('webgpu without the npm packages: exit 2, naming the packages and how to install them', () => {
  // the bundled trainer alone, outside the repository: nothing resolves `webgpu`
  const dir = tempDir('webgpu-nodawn');
  for (const file of readdirSync(dirname(TRAINER)).filter((f) => f === 'trainer.js' || f.endsWith('.wasm'))) {
    copyFileSync(join(dirname(TRAINER), file), join(dir, file));
  }
  const result = spawnSync(
    process.execPath,
    [join(dir, 'trainer.js'), '--config', TINY, '--out', join(dir, 'run'), '--backend', 'webgpu'],
    {
      encoding: 'utf8',
      env: { ...process.env, ...GPU_ENV, MOE_LENS_NATIVE_MODULES: join(dir, 'empty') },
    },
  );
  assert.equal(result.status, 2, result.stderr);
  assert.match(
    result.stderr,
    /backend "webgpu" is unavailable: webgpu \(Dawn\) not installed\. .*npm install webgpu @tensorflow\/tfjs-backend-webgpu@4\.22\.0.*Install GPU Backend/,
  );
});
