/**
 * Faster wasm kernels (tfjs-on-cpu.md):
 * - Slice and GatherV2: the stock Slice copies the whole input out of the wasm heap for every call
 *   (readSync) and the stock GatherV2 is slow for row gathers. These copy only the needed bytes,
 *   straight from heap views; what they do not handle (strings, other axes) goes to the stock kernel.
 * - BlockMatMul: out_i = a_i · b_i for n equal row blocks, in one kernel call: each block is handed
 *   to the backend's own 2-D matmul (XNNPACK) as a tensor id registered on the block's memory, so
 *   nothing is copied and the ~100 µs engine overhead per op is paid once, not per block.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type HeapArray = Float32Array | Int32Array | Uint8Array;
interface WasmModule {
  cwrap(name: string, returnType: null, argTypes: string[]): (...args: unknown[]) => void;
  tfjs: { registerTensor(id: number, size: number, memoryOffset: number): void; disposeData(id: number): void };
}
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): HeapArray;
  dataIdMap: { get(dataId: object): { memoryOffset: number } };
  dataIdNextNumber: number;
  wasm: WasmModule;
}
type KernelArgs = { inputs: Record<string, Info>; attrs: Record<string, unknown>; backend: WasmBackend };
type KernelFunc = (args: KernelArgs) => Info;

let installed = false;

/** Copies x[begin … begin+size) into out, one innermost run at a time. */
function copyBox(x: HeapArray, shape: number[], begin: number[], size: number[], out: HeapArray): void {
  const strides = tf.util.computeStrides(shape);
  if (tf.slice_util.isSliceContinous(shape, begin, size)) {
    const offset = tf.slice_util.computeFlatOffset(begin, strides);
    out.set(x.subarray(offset, offset + out.length));
    return;
  }
  const rank = shape.length;
  const run = size[rank - 1];
  const outer = tf.util.sizeFromShape(size) / run;
  const index = new Array<number>(rank - 1).fill(0);
  for (let o = 0; o < outer; o++) {
    let offset = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) offset += (begin[d] + index[d]) * strides[d];
    out.set(x.subarray(offset, offset + run), o * run);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
}

function slice(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const x = inputs.x;
    if (x.dtype === 'string' || x.shape.length === 0) return stock(args);
    const [begin, size] = tf.slice_util.parseSliceParams(x, attrs.begin as number[], attrs.size as number[]);
    const out = backend.makeOutput(size, x.dtype);
    if (tf.util.sizeFromShape(size) === 0) return out;
    // views after makeOutput: an allocation may grow (and so replace) the heap buffer
    copyBox(backend.typedArrayFromHeap(x), x.shape, begin, size, backend.typedArrayFromHeap(out));
    return out;
  };
}

function gatherRows(stock: KernelFunc): KernelFunc {
  return (args) => {
    const { inputs, attrs, backend } = args;
    const { x, indices } = inputs;
    const axis = tf.util.parseAxisParam(attrs.axis as number, x.shape)[0];
    if (axis !== 0 || (attrs.batchDims as number) !== 0 || x.dtype === 'string' || indices.dtype !== 'int32')
      return stock(args);
    const rows = x.shape[0];
    const rowSize = tf.util.sizeFromShape(x.shape.slice(1));
    const count = tf.util.sizeFromShape(indices.shape);
    const out = backend.makeOutput([...indices.shape, ...x.shape.slice(1)], x.dtype);
    const xs = backend.typedArrayFromHeap(x);
    const ids = backend.typedArrayFromHeap(indices);
    const target = backend.typedArrayFromHeap(out);
    for (let i = 0; i < count; i++) {
      const row = ids[i];
      if (row < 0 || row >= rows) throw new Error(`GatherV2: the index value ${row} is not in [0, ${rows - 1}]`);
      target.set(xs.subarray(row * rowSize, (row + 1) * rowSize), i * rowSize);
    }
    return out;
  };
}

export const BLOCK_MATMUL = 'MoeLensBlockMatMul';
const BYTES = 4;
let wasmMatMul: ((...args: unknown[]) => void) | undefined;

/** a [n·m, k], b [n·k, p] → out [n·m, p] with out block i = a block i · b block i. */
const blockMatMulKernel: KernelFunc = ({ inputs, attrs, backend }) => {
  const { a, b } = inputs;
  const blocks = attrs.blocks as number;
  const m = a.shape[0] / blocks;
  const k = a.shape[1];
  const p = b.shape[1];
  if (a.dtype !== 'float32' || b.dtype !== 'float32') throw new Error('BlockMatMul: float32 only');
  if (b.shape[0] !== blocks * k)
    throw new Error(`BlockMatMul: b has ${b.shape[0]} rows, expected ${blocks} blocks of ${k}`);
  wasmMatMul ??= backend.wasm.cwrap('BatchMatMul', null, [
    'number',
    'array',
    'number',
    'number',
    'array',
    'number',
    'number',
    'number',
    'number',
  ]);
  const out = backend.makeOutput([blocks * m, p], 'float32');
  const offsetOf = (info: Info) => backend.dataIdMap.get(info.dataId).memoryOffset;
  const [aBase, bBase, outBase] = [offsetOf(a), offsetOf(b), offsetOf(out)];
  const shapeBytes = (shape: number[]) => new Uint8Array(new Int32Array(shape).buffer);
  const aShape = shapeBytes([1, m, k]);
  const bShape = shapeBytes([1, k, p]);
  const { tfjs } = backend.wasm;
  // a tensor id on a block of an existing tensor; disposing the id never frees that memory
  const view = (offset: number, size: number) => {
    const id = backend.dataIdNextNumber++;
    tfjs.registerTensor(id, size, offset);
    return id;
  };
  for (let i = 0; i < blocks; i++) {
    const aId = view(aBase + i * m * k * BYTES, m * k);
    const bId = view(bBase + i * k * p * BYTES, k * p);
    const outId = view(outBase + i * m * p * BYTES, m * p);
    wasmMatMul(aId, aShape, 3, bId, bShape, 3, false, false, outId);
    tfjs.disposeData(aId);
    tfjs.disposeData(bId);
    tfjs.disposeData(outId);
  }
  return out;
};

/** Replaces the stock wasm Slice and GatherV2 kernels and adds BlockMatMul (once per process). */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  tf.registerKernel({
    kernelName: BLOCK_MATMUL,
    backendName: 'wasm',
    kernelFunc: blockMatMulKernel as unknown as tf.KernelFunc,
  });
  for (const [name, make] of [
    ['Slice', slice],
    ['GatherV2', gatherRows],
  ] as const) {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({
      ...stock,
      kernelFunc: make(stock.kernelFunc as unknown as KernelFunc) as unknown as tf.KernelFunc,
    });
  }
}
