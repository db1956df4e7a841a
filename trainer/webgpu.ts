/**
 * The `webgpu` backend: Dawn (npm `webgpu`) provides navigator.gpu in Node, and
 * @tensorflow/tfjs-backend-webgpu runs tfjs on it. Both are optional, loaded at run time like the
 * native backends (never bundled). A software adapter (Mesa lavapipe/llvmpipe, SwiftShader) is not a
 * GPU: `auto` passes it by; only an explicit `webgpu` uses it (correctness tests without a GPU).
 */
import * as tf from '@tensorflow/tfjs';
import type { GpuAdapter } from '../protocol/events';
import { requireOptional } from './optionalModule';

export const DAWN_PACKAGE = 'webgpu';
export const TFJS_WEBGPU_PACKAGE = '@tensorflow/tfjs-backend-webgpu';
export const WEBGPU_INSTALL_HINT =
  `install them with \`npm install ${DAWN_PACKAGE} ${TFJS_WEBGPU_PACKAGE}@${tf.version.tfjs}\` ` +
  '(or the command "MoE Lens: Install GPU Backend"); WebGPU needs a Vulkan driver on Linux ' +
  "(the GPU vendor's, or Mesa's mesa-vulkan-drivers ≥ 23), Metal on macOS, D3D12 on Windows";

interface DawnModule {
  create(flags: string[]): { requestAdapter(options?: object): Promise<DawnAdapter | null> };
  globals: Record<string, unknown>;
}
interface DawnAdapter {
  info?: { vendor?: string; architecture?: string; device?: string; description?: string; isFallbackAdapter?: boolean };
  isFallbackAdapter?: boolean;
}

const SOFTWARE_NAMES = /llvmpipe|lavapipe|swiftshader|software rasterizer/i;

/** What an adapter is, as the start event reports it; `software` when it runs on the CPU. */
export function describeAdapter(adapter: DawnAdapter): GpuAdapter {
  const info = adapter.info ?? {};
  const text = (value: unknown) => (typeof value === 'string' ? value : '');
  const summary = {
    vendor: text(info.vendor),
    architecture: text(info.architecture),
    device: text(info.device),
    description: text(info.description),
  };
  const software =
    info.isFallbackAdapter === true ||
    adapter.isFallbackAdapter === true ||
    summary.architecture === 'software' ||
    SOFTWARE_NAMES.test(`${summary.description} ${summary.device}`);
  return { ...summary, software };
}

let gpu: ReturnType<DawnModule['create']> | undefined;

/** Loads Dawn once and installs navigator.gpu and the WebGPU globals tfjs-backend-webgpu reads. */
function loadDawn(): string | undefined {
  if (gpu) return undefined;
  const loaded = requireOptional(DAWN_PACKAGE);
  if (loaded.failure !== undefined) return `${DAWN_PACKAGE} (Dawn) ${loaded.failure}`;
  const dawn = loaded.module as DawnModule;
  try {
    gpu = dawn.create([]);
  } catch (error) {
    return `${DAWN_PACKAGE} (Dawn) loaded but could not start: ${(error as Error).message.split('\n')[0]}`;
  }
  Object.assign(globalThis, dawn.globals);
  const holder = globalThis as { navigator?: object };
  if (holder.navigator) Object.defineProperty(holder.navigator, 'gpu', { value: gpu, configurable: true });
  else holder.navigator = { gpu };
  return undefined;
}

export type AdapterProbe = { adapter: GpuAdapter; failure?: undefined } | { adapter?: undefined; failure: string };

/** The adapter tfjs-backend-webgpu will take (it asks for high performance), or why there is none. */
export async function probeAdapter(): Promise<AdapterProbe> {
  const failure = loadDawn();
  if (failure) return { failure };
  let adapter: DawnAdapter | null;
  try {
    // tfjs-backend-webgpu's own request (WEBGPU_USE_LOW_POWER_GPU is off by default)
    adapter = await gpu!.requestAdapter({ powerPreference: 'high-performance' });
  } catch (error) {
    return { failure: `Dawn's requestAdapter failed: ${(error as Error).message.split('\n')[0]}` };
  }
  if (!adapter) return { failure: 'Dawn found no WebGPU adapter (no usable Vulkan, Metal or D3D12 driver)' };
  return { adapter: describeAdapter(adapter) };
}

/** Loads tfjs-backend-webgpu and makes `webgpu` the active backend; returns why not, or undefined. */
export async function activateWebGpu(): Promise<string | undefined> {
  const loaded = requireOptional(TFJS_WEBGPU_PACKAGE);
  if (loaded.failure !== undefined) return `${TFJS_WEBGPU_PACKAGE} ${loaded.failure}`;
  if (!tf.findBackendFactory('webgpu')) return `${TFJS_WEBGPU_PACKAGE} loaded but did not register a "webgpu" backend`;
  try {
    if (!(await tf.setBackend('webgpu'))) return `${TFJS_WEBGPU_PACKAGE}: the "webgpu" backend did not initialise`;
  } catch (error) {
    return `${TFJS_WEBGPU_PACKAGE}: the "webgpu" backend failed to initialise: ${(error as Error).message.split('\n')[0]}`;
  }
  return undefined;
}

/**
 * Every adapter Dawn offers (high-performance, low-power and the fallback one), without duplicates;
 * for `--list-adapters`, which the install command runs to check an install.
 */
export async function listAdapters(): Promise<{ adapters: GpuAdapter[]; failure?: string }> {
  const failure = loadDawn();
  if (failure) return { adapters: [], failure };
  const requests = [
    { powerPreference: 'high-performance' },
    { powerPreference: 'low-power' },
    { forceFallbackAdapter: true },
  ];
  const adapters = new Map<string, GpuAdapter>();
  for (const request of requests) {
    const adapter = await gpu!.requestAdapter(request).catch(() => null);
    if (!adapter) continue;
    const described = describeAdapter(adapter);
    adapters.set(JSON.stringify(described), described);
  }
  return { adapters: [...adapters.values()] };
}

interface BufferPool {
  freeBuffers: Map<string, { destroy(): void; size: number }[]>;
  numFreeBuffers: number;
  numBytesAllocated: number;
  acquireBuffer(size: number, usage: number, ...rest: unknown[]): unknown;
}

/** Steps a buffer size may go unused before its free buffers are destroyed. */
const POOL_WINDOW = 8;

/**
 * tfjs-backend-webgpu keeps every released GPU buffer in a pool keyed by exact byte size and never
 * frees it. The sparse dispatch's shapes follow the routing (rows per expert change every step), so
 * the pool would collect a buffer for every row count ever seen: measured on lavapipe, 2.5 MB → 3.1 MB
 * allocated over 40 tiny steps while the tensors held 0.2 MB throughout. This trims it: after each
 * step (`endStep`), free buffers of sizes not requested in the last POOL_WINDOW steps are destroyed,
 * so the pool holds what recent steps use. A no-op on other backends.
 */
export class GpuBufferPoolTrimmer {
  private readonly lastUsed = new Map<string, number>();
  private step = 0;
  private readonly pool: BufferPool | undefined;

  constructor() {
    const backend =
      tf.getBackend() === 'webgpu' ? (tf.backend() as unknown as { bufferManager?: BufferPool }) : undefined;
    const pool = backend?.bufferManager;
    if (!pool || !(pool.freeBuffers instanceof Map)) return;
    this.pool = pool;
    const acquire = pool.acquireBuffer.bind(pool);
    pool.acquireBuffer = (size: number, usage: number, ...rest: unknown[]) => {
      this.lastUsed.set(`${size}_${usage}`, this.step);
      return acquire(size, usage, ...rest);
    };
  }

  endStep(): void {
    if (!this.pool) return;
    this.step++;
    for (const [key, buffers] of this.pool.freeBuffers) {
      if (buffers.length === 0 || (this.lastUsed.get(key) ?? 0) > this.step - POOL_WINDOW) continue;
      for (const buffer of buffers) {
        this.pool.numBytesAllocated -= buffer.size;
        buffer.destroy();
      }
      this.pool.numFreeBuffers -= buffers.length;
      buffers.length = 0;
    }
  }
}
