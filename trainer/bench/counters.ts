/**
 * What a training step costs in calls: tfjs kernels (engine.runKernel), GPU dispatches (webgpu
 * programs recorded), tensor reads (awaited or synchronous) and, on webgpu, the reads that copy a GPU
 * buffer back to the CPU (each one waits for the queue to drain). Installed by wrapping the engine and
 * the active backend's methods; counting costs a function call each, not a sync.
 */
import * as tf from '@tensorflow/tfjs';

export interface WorkCounts {
  /** tfjs kernel calls (ops, including their gradients' ops) */
  kernels: number;
  /** webgpu only: compute programs dispatched (a kernel may dispatch several, or none when run on the CPU) */
  dispatches: number;
  /** tensor reads (`await t.data()` and `dataSync()`) */
  reads: number;
  /** webgpu only: reads that copied a GPU buffer to the CPU */
  gpuReadbacks: number;
}

type Method = (...args: unknown[]) => unknown;

export class WorkCounter {
  private counts: WorkCounts = { kernels: 0, dispatches: 0, reads: 0, gpuReadbacks: 0 };
  /** kernel calls by kernel name since the last take */
  byKernel = new Map<string, number>();
  private readonly restores: (() => void)[] = [];

  /** Counts from now on, on the backend active now. */
  constructor() {
    const engine = tf.engine() as unknown as Record<string, Method>;
    const backend = tf.backend() as unknown as Record<string, Method>;
    this.wrap(engine, 'runKernel', 'kernels', (name) =>
      this.byKernel.set(name as string, (this.byKernel.get(name as string) ?? 0) + 1),
    );
    this.wrap(engine, 'read', 'reads');
    this.wrap(engine, 'readSync', 'reads');
    if (typeof backend.runWebGPUProgram === 'function') this.wrap(backend, 'runWebGPUProgram', 'dispatches');
    if (typeof backend.getBufferData === 'function') this.wrap(backend, 'getBufferData', 'gpuReadbacks');
  }

  private wrap(
    target: Record<string, Method>,
    name: string,
    counter: keyof WorkCounts,
    onCall?: (first: unknown) => void,
  ): void {
    const original = target[name];
    const counts = () => this.counts;
    target[name] = function (this: unknown, ...args: unknown[]) {
      counts()[counter]++;
      onCall?.(args[0]);
      return original.apply(this, args);
    };
    this.restores.push(() => (target[name] = original));
  }

  /** The counts since the last take (or since construction), then starts again from zero. */
  take(): WorkCounts {
    const counts = this.counts;
    this.counts = { kernels: 0, dispatches: 0, reads: 0, gpuReadbacks: 0 };
    this.byKernel = new Map();
    return counts;
  }

  dispose(): void {
    for (const restore of this.restores.reverse()) restore();
  }
}

/** "412 kernels, 380 GPU dispatches, 2 reads (2 GPU→CPU)" per step. */
export function describeCounts(counts: WorkCounts, steps: number, backend: string): string {
  const per = (n: number) => (n / steps).toFixed(n % steps === 0 ? 0 : 1);
  const gpu = backend === 'webgpu';
  return [
    `${per(counts.kernels)} kernels`,
    gpu && `${per(counts.dispatches)} GPU dispatches`,
    `${per(counts.reads)} tensor reads${gpu ? ` (${per(counts.gpuReadbacks)} GPU→CPU readbacks)` : ''}`,
  ]
    .filter(Boolean)
    .join(', ');
}
