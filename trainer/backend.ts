/**
 * Picks the TensorFlow.js backend. The native ones (@tensorflow/tfjs-node-gpu, @tensorflow/tfjs-node)
 * are optional: loaded dynamically from node_modules or from $MOE_LENS_NATIVE_MODULES (where the
 * extension installs them), never bundled. `auto` takes the first that loads, else wasm.
 */
import * as tf from '@tensorflow/tfjs';
import { setWasmPaths } from '@tensorflow/tfjs-backend-wasm';
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { BackendName } from '../protocol/runConfig';

export interface BackendChoice {
  name: string;
  reason: string;
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

/** Requires `pkg` from the usual places, then from $MOE_LENS_NATIVE_MODULES; returns why it failed, or undefined. */
function loadNative(pkg: string): string | undefined {
  const load = createRequire(__filename);
  const searchPaths = [undefined, process.env.MOE_LENS_NATIVE_MODULES].filter((p, i) => i === 0 || p);
  let failure = 'not installed';
  for (const path of searchPaths) {
    let resolved: string;
    try {
      resolved = path ? load.resolve(pkg, { paths: [path] }) : load.resolve(pkg);
    } catch {
      continue;
    }
    try {
      load(resolved);
      return undefined;
    } catch (error) {
      failure = `installed but failed to load: ${(error as Error).message.split('\n')[0]}`;
    }
  }
  return failure;
}

async function useNative(backend: NativeBackend): Promise<string | undefined> {
  const failure = loadNative(NATIVE_PACKAGES[backend]);
  if (failure) return failure;
  // both packages register the backend under the name "tensorflow"
  return (await tf.setBackend('tensorflow')) ? undefined : 'loaded, but the "tensorflow" backend did not initialise';
}

async function useWasm(): Promise<void> {
  // Bundled: the build copies the .wasm binaries next to dist/trainer.js.
  if (existsSync(join(__dirname, 'tfjs-backend-wasm.wasm'))) setWasmPaths(__dirname + '/');
  if (!(await tf.setBackend('wasm'))) throw new Error('the wasm backend did not initialise');
}

async function chooseAuto(): Promise<BackendChoice> {
  const notes: string[] = [];
  for (const backend of ['tensorflow-gpu', 'tensorflow'] as const) {
    const failure = await useNative(backend);
    if (!failure) return { name: backend, reason: `auto: ${[...notes, `${NATIVE_PACKAGES[backend]} loaded`].join('; ')}` };
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

/** Activates the backend the config asks for; returns its name and why it was chosen (for the start event). */
export async function selectBackend(requested: BackendName): Promise<BackendChoice> {
  let choice: BackendChoice;
  if (requested === 'auto') {
    choice = await chooseAuto();
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
