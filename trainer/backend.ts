/**
 * Picks the TensorFlow.js backend. The GPU ones are optional, loaded dynamically from node_modules or
 * from $MOE_LENS_NATIVE_MODULES (where the extension installs them), never bundled: `webgpu` (Dawn +
 * tfjs-backend-webgpu, webgpu.ts) and the native @tensorflow/tfjs-node-gpu and @tensorflow/tfjs-node.
 * `auto` takes webgpu on a hardware adapter, else the first native one that loads, else wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { gpuAdapterLabel as adapterLabel, type GpuAdapter } from '../protocol/events';
import type { BackendName } from '../protocol/runConfig';
import { requireOptional } from './optionalModule';
import { activateWebGpu, probeAdapter, WEBGPU_INSTALL_HINT } from './webgpu';

export interface BackendChoice {
  name: string;
  reason: string;
  /** the WebGPU adapter, on webgpu only */
  adapter?: GpuAdapter;
}
/** Asking explicitly for a backend that cannot load: a usage error (exit code 2). */
export class BackendError extends Error {
  override name = 'BackendError';
}

const NATIVE_PACKAGES = {
  'tensorflow-gpu': '@tensorflow/tfjs-node-gpu',
  tensorflow: '@tensorflow/tfjs-node',
} as const;
type NativeBackend = keyof typeof NATIVE_PACKAGES;

async function useNative(backend: NativeBackend): Promise<string | undefined> {
  const { failure } = requireOptional(NATIVE_PACKAGES[backend]);
  if (failure !== undefined) return failure;
  // both packages register the backend under the name "tensorflow"
  return (await tf.setBackend('tensorflow')) ? undefined : 'loaded, but the "tensorflow" backend did not initialise';
}

async function useWasm(): Promise<void> {
  // Bundled: the build copies the .wasm binaries next to dist/trainer.js.
  if (existsSync(join(__dirname, 'tfjs-backend-wasm.wasm'))) setWasmPaths(__dirname + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
}

/** webgpu on a hardware adapter; a software one (lavapipe, SwiftShader) would be slower than wasm. */
async function autoWebGpu(notes: string[]): Promise<BackendChoice | undefined> {
  const probe = await probeAdapter();
  if (probe.failure !== undefined) {
    notes.push(`webgpu: ${probe.failure}`);
    return undefined;
  }
  const label = adapterLabel(probe.adapter);
  if (probe.adapter.software) {
    notes.push(`webgpu: only a software adapter, ${label}, which auto never takes (ask for "webgpu" to use it)`);
    return undefined;
  }
  const failure = await activateWebGpu();
  if (failure) {
    notes.push(`webgpu: ${failure}`);
    return undefined;
  }
  return { name: 'webgpu', reason: `auto: hardware WebGPU adapter ${label}`, adapter: probe.adapter };
}

async function chooseAuto(): Promise<BackendChoice> {
  const notes: string[] = [];
  const webgpu = await autoWebGpu(notes);
  if (webgpu) return webgpu;
  for (const backend of ['tensorflow-gpu', 'tensorflow'] as const) {
    const failure = await useNative(backend);
    if (!failure)
      return { name: backend, reason: `auto: ${[...notes, `${NATIVE_PACKAGES[backend]} loaded`].join('; ')}` };
    notes.push(`${NATIVE_PACKAGES[backend]} ${failure}`);
  }
  await useWasm();
  return { name: 'wasm', reason: `auto: ${notes.join('; ')}` };
}

async function chooseNative(backend: NativeBackend): Promise<BackendChoice> {
  const failure = await useNative(backend);
  if (failure) {
    const pkg = NATIVE_PACKAGES[backend];
    throw new BackendError(
      `backend "${backend}" needs the npm package ${pkg}: ${failure}. Install it with \`npm install ${pkg}\` ` +
        '(or the command "MoE Lens: Install GPU Backend"), or choose "auto", "wasm" or "cpu".',
    );
  }
  return { name: backend, reason: `requested; ${NATIVE_PACKAGES[backend]} loaded` };
}

async function chooseWebGpu(): Promise<BackendChoice> {
  const probe = await probeAdapter();
  const failure = probe.failure ?? (await activateWebGpu());
  if (failure !== undefined || !probe.adapter) {
    throw new BackendError(
      `backend "webgpu" is unavailable: ${failure}. It needs the npm packages webgpu (Dawn) and ` +
        `@tensorflow/tfjs-backend-webgpu: ${WEBGPU_INSTALL_HINT}. Or choose "auto", "wasm" or "cpu".`,
    );
  }
  const kind = probe.adapter.software
    ? 'software adapter (runs on the CPU: for correctness, not speed)'
    : 'hardware adapter';
  return { name: 'webgpu', reason: `requested; ${kind} ${adapterLabel(probe.adapter)}`, adapter: probe.adapter };
}

/** Activates the backend the config asks for; returns its name and why it was chosen (for the start event). */
export async function selectBackend(requested: BackendName): Promise<BackendChoice> {
  let choice: BackendChoice;
  if (requested === 'auto') {
    choice = await chooseAuto();
  } else if (requested === 'webgpu') {
    choice = await chooseWebGpu();
  } else if (requested === 'tensorflow-gpu' || requested === 'tensorflow') {
    choice = await chooseNative(requested);
  } else if (requested === 'wasm') {
    await useWasm();
    choice = { name: 'wasm', reason: 'requested' };
  } else {
    if (!(await tf.setBackend('cpu'))) throw new Error('the cpu backend did not initialise');
    choice = { name: 'cpu', reason: 'requested' };
  }
  await tf.ready();
  return choice;
}
