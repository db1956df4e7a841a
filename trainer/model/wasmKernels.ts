/**
 * Faster wasm kernels for Slice and GatherV2 (tfjs-on-cpu.md): the stock Slice copies the whole
 * input out of the wasm heap for every call (readSync) and the stock GatherV2 is slow for row
 * gathers. These copy only the needed bytes, straight from heap views. Anything they do not handle
 * (strings, gathers on other axes) goes to the stock kernel.
 */
import * as tf from '@tensorflow/tfjs';

type Info = tf.TensorInfo;
type HeapArray = Float32Array | Int32Array | Uint8Array;
interface WasmBackend {
  makeOutput(shape: number[], dtype: tf.DataType): Info;
  typedArrayFromHeap(info: Info): HeapArray;
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
    const [begin, size] = tf.slice_util.parseSliceParams(x as tf.Tensor, attrs.begin as number[], attrs.size as number[]);
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
    if (axis !== 0 || (attrs.batchDims as number) !== 0 || x.dtype === 'string' || indices.dtype !== 'int32') return stock(args);
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

/** Replaces the stock wasm Slice and GatherV2 kernels (once per process). */
export function installWasmKernels(): void {
  if (installed) return;
  installed = true;
  for (const [name, make] of [
    ['Slice', slice],
    ['GatherV2', gatherRows],
  ] as const) {
    const stock = tf.getKernel(name, 'wasm');
    if (!stock) continue;
    tf.unregisterKernel(name, 'wasm');
    tf.registerKernel({ ...stock, kernelFunc: make(stock.kernelFunc as unknown as KernelFunc) as unknown as tf.KernelFunc });
  }
}
