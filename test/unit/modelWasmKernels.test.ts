/** The replacement wasm kernels (Slice, GatherV2, BlockMatMul) give what the cpu backend gives. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { blockMatMul } from '../../trainer/model/attention';
import { assertClose, useBackend } from './modelSupport';

type Case = () => tf.Tensor;

/** Runs each case on cpu and on wasm (with the replacement kernels) and compares the values. */
async function sameOnBothBackends(cases: Record<string, Case>): Promise<void> {
  const results: Record<string, Float32Array | Int32Array>[] = [];
  for (const backend of ['cpu', 'wasm'] as const) {
    await useBackend(backend);
    results.push(
      Object.fromEntries(Object.entries(cases).map(([name, make]) => [name, tf.tidy(make).dataSync() as Float32Array])),
    );
  }
  for (const name of Object.keys(cases)) assertClose(results[1][name], results[0][name], 1e-5, 1e-5, name);
}

const ramp = (shape: number[]) =>
  tf.reshape(
    tf.range(
      0,
      shape.reduce((a, b) => a * b),
      1,
      'float32',
    ),
    shape,
  );

test('Slice: contiguous and strided boxes of 1- to 5-D tensors', async () => {
  await sameOnBothBackends({
    '1-D': () => tf.slice(ramp([10]), 3, 4),
    '2-D rows': () => tf.slice(ramp([6, 5]), [2, 0], [3, 5]),
    '2-D columns': () => tf.slice(ramp([6, 5]), [1, 2], [4, 2]),
    '3-D middle': () => tf.slice(ramp([4, 5, 6]), [1, 1, 2], [2, 3, 3]),
    '4-D': () => tf.slice(ramp([3, 4, 2, 5]), [1, 0, 1, 1], [2, 3, 1, 3]),
    '5-D': () => tf.slice(ramp([2, 3, 2, 3, 2]), [1, 1, 0, 1, 0], [1, 2, 2, 2, 2]),
    int32: () => tf.slice(tf.cast(ramp([6, 5]), 'int32'), [1, 1], [2, 3]),
    'to the end': () => tf.slice(ramp([6, 5]), [4, 1], [-1, -1]),
  });
});

test('GatherV2: rows by index (repeats allowed), other axes through the stock kernel', async () => {
  await sameOnBothBackends({
    rows: () => tf.gather(ramp([5, 3]), tf.tensor1d([4, 0, 4, 2], 'int32')),
    '3-D rows': () => tf.gather(ramp([4, 2, 3]), tf.tensor1d([3, 1], 'int32')),
    'axis 1': () => tf.gather(ramp([4, 3]), tf.tensor1d([2, 0], 'int32'), 1),
    'index matrix': () => tf.gather(ramp([5, 2]), tf.tensor2d([1, 2, 3, 4], [2, 2], 'int32')),
  });
  await useBackend('wasm');
  assert.throws(() => tf.gather(ramp([3, 2]), tf.tensor1d([3], 'int32')), /index value 3 is not in \[0, 2\]/);
});

test('BlockMatMul: each row block times its own block', async () => {
  await sameOnBothBackends({
    '3 blocks': () =>
      blockMatMul(
        tf.randomNormal([3 * 4, 5], 0, 1, 'float32', 1) as tf.Tensor2D,
        tf.randomNormal([3 * 5, 2], 0, 1, 'float32', 2) as tf.Tensor2D,
        3,
      ),
  });
  await useBackend('wasm');
  // by hand: blocks [[1, 2]]·[[1], [1]] = 3 and [[3, 4]]·[[2], [0]] = 6
  const out = blockMatMul(tf.tensor2d([1, 2, 3, 4], [2, 2]), tf.tensor2d([1, 1, 2, 0], [4, 1]), 2);
  assert.deepEqual(Array.from(out.dataSync()), [3, 6]);
});
