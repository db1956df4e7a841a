/** Balancer terms (as tensors, on both backends) and the routing rules, against hand-computed values. */
import * as tf from '@tensorflow/tfjs';
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { gateWeights } from '../../trainer/model/router';
import {
  planRouting,
  pruneByGate,
  tokenRoutes,
  type RoutingPlan,
  type SelectionOptions,
} from '../../trainer/model/routing';
import { auxLoss, loadFractions, simbalLoss, zLoss } from '../../trainer/training/balancers';
import { simbalValue } from '../../trainer/training/metrics';
import { BACKENDS, assertClose, useBackend } from './modelSupport';

/** Normalised gate values [T·E] of a plan (on the current backend). */
const gatesOf = (plan: RoutingPlan) =>
  tf.tidy(() => gateWeights(tf.tensor2d(plan.scores, [plan.tokens, plan.experts]), plan.selected, true).dataSync());

/** One token's or more tokens' picks, largest normalised gate first. */
function routesOf(scores: Float32Array, tokens: number, experts: number, topK: number, options?: SelectionOptions) {
  const plan = planRouting(scores, tokens, experts, topK, options);
  return tokenRoutes(plan, gatesOf(plan));
}

for (const backend of BACKENDS) {
  test(`[${backend}] aux loss: alpha · E · Σ f_i · P_i, gradient only through P`, async () => {
    await useBackend(backend);
    // T = 2, E = 3, K = 1, counts [1, 1, 0]: f = [.5, .5, 0], P = [.4, .4, .2] → 0.01 · 3 · 0.4
    const probs = tf.tensor2d([0.7, 0.2, 0.1, 0.1, 0.6, 0.3], [2, 3]);
    assertClose([auxLoss(probs, loadFractions([1, 1, 0]), 0.01).dataSync()[0]], [0.012], 1e-7);
    // d/dprobs[t, i] = alpha · E · f_i / T
    const grad = tf.grad((p: tf.Tensor) => auxLoss(p as tf.Tensor2D, [0.5, 0.5, 0], 0.01))(probs);
    assertClose(grad.dataSync(), [0.0075, 0.0075, 0, 0.0075, 0.0075, 0], 1e-8);
  });

  test(`[${backend}] SimBal loss lambda·‖RᵀR − I‖₁ and its gradient 2·lambda·R·sign(RᵀR − I)`, async () => {
    await useBackend(backend);
    // R [2, 2] with columns (1, 0), (0.5, 1): RᵀR − I = [[0, .5], [.5, .25]], L1 = 1.25
    const router = tf.tensor2d([1, 0.5, 0, 1], [2, 2]);
    assertClose([simbalLoss(router, 0.1).dataSync()[0]], [0.125], 1e-7);
    // sign = [[0, 1], [1, 1]]; 2 · 0.1 · R · sign = 0.2 · [[0.5, 1.5], [1, 1]]
    const grad = tf.grad((r: tf.Tensor) => simbalLoss(r as tf.Tensor2D, 0.1))(router);
    assertClose(grad.dataSync(), [0.1, 0.3, 0.2, 0.2], 1e-6);
    // and against central finite differences on a random router (float64 on the CPU)
    const values = Array.from({ length: 12 }, (_, i) => Math.sin(i * 1.7) * 0.6);
    const r = tf.tensor2d(values, [4, 3]);
    const analytic = tf
      .grad((x: tf.Tensor) => simbalLoss(x as tf.Tensor2D, 0.1))(r)
      .dataSync();
    const h = 1e-6;
    const numeric = values.map((_, i) => {
      const plus = [...values];
      const minus = [...values];
      plus[i] += h;
      minus[i] -= h;
      return (simbalValue(plus, 4, 3, 0.1) - simbalValue(minus, 4, 3, 0.1)) / (2 * h);
    });
    assertClose(analytic, numeric, 1e-4, 1e-3, 'dSimBal/dR');
  });

  test(`[${backend}] z-loss: beta · mean_t (logsumexp logits)²`, async () => {
    await useBackend(backend);
    // rows (0, 0) → ln 2; (ln 3, 0) → ln 4
    const logits = tf.tensor2d([0, 0, Math.log(3), 0], [2, 2]);
    const expected = (1e-3 * (Math.log(2) ** 2 + Math.log(4) ** 2)) / 2;
    assertClose([zLoss(logits, 1e-3).dataSync()[0]], [expected], 1e-8);
  });

  test(`[${backend}] gates are the picked scores renormalised over the K picks`, async () => {
    await useBackend(backend);
    const scores = Float32Array.of(0.5, 0.3, 0.2);
    const plan = planRouting(scores, 1, 3, 2);
    const gates = gateWeights(tf.tensor2d(scores, [1, 3]), plan.selected, true).dataSync();
    assertClose(gates, [0.625, 0.375, 0], 1e-6);
  });
}

test('loss-free bias changes which experts are picked, never the gate values', () => {
  const scores = Float32Array.of(0.5, 0.3, 0.2);
  const plain = routesOf(scores, 1, 3, 2);
  assert.deepEqual(plain.experts, [[0, 1]]);
  assertClose(plain.gates[0], [0.625, 0.375], 1e-7);
  // a bias too small to change the selection leaves the gates exactly as they were
  const nudged = routesOf(scores, 1, 3, 2, { bias: [0, 0, 0.05] });
  assert.deepEqual(nudged, plain);
  // biased selection scores (0.1, 0.3, 0.2) pick experts 1 and 2; gates come from the unbiased scores
  const shifted = routesOf(scores, 1, 3, 2, { bias: [-0.4, 0, 0] });
  assert.deepEqual(shifted.experts, [[1, 2]]);
  assertClose(shifted.gates[0], [0.6, 0.4], 1e-7);
});

test('dispatch plan: counts, rows sorted by expert, gate indices', () => {
  // 3 tokens, E = 3, K = 1: picks 2, 0, 2
  const scores = Float32Array.of(0.1, 0.2, 0.7, 0.8, 0.1, 0.1, 0.3, 0.3, 0.4);
  const plan = planRouting(scores, 3, 3, 1);
  assert.deepEqual(plan.counts, [1, 0, 2]);
  assert.deepEqual(Array.from(plan.rowToken), [1, 0, 2]);
  assert.deepEqual(Array.from(plan.rowGateIndex), [3, 2, 8]);
  assert.deepEqual(plan.rowCounts, [1, 0, 2]);
});

test('drop-top-experts masks each token’s n best experts, then takes top-K of the rest', () => {
  const scores = Float32Array.of(0.1, 0.5, 0.3, 0.1);
  assert.deepEqual(routesOf(scores, 1, 4, 2, { dropTop: 0 }).experts, [[1, 2]]);
  // expert 1 is masked; the rest rank 2, then the tie 0/3 (lower index first)
  const dropped = routesOf(scores, 1, 4, 2, { dropTop: 1 });
  assert.deepEqual(dropped.experts, [[2, 0]]);
  assertClose(dropped.gates[0], [0.75, 0.25], 1e-7);
  assert.deepEqual(planRouting(scores, 1, 4, 2, { dropTop: 2 }).counts, [1, 0, 0, 1]);
  assert.throws(() => planRouting(scores, 1, 4, 2, { dropTop: 3 }), /cannot drop 3 of 4 experts/);
});

test('Dynamic-K drops picked experts whose gate is below the threshold', () => {
  // gates 2/3 and 1/3 for experts 0 and 1; token 2: 0.5 / 0.5
  const scores = Float32Array.of(0.6, 0.3, 0.1, 0.4, 0.4, 0.2);
  const all = planRouting(scores, 2, 3, 2);
  const gates = gatesOf(all);
  assert.equal(pruneByGate(all, gates, 0), all);
  assert.deepEqual(pruneByGate(all, gates, 0.3).rowCounts, [2, 2, 0]);
  const pruned = pruneByGate(all, gates, 0.4);
  assert.deepEqual(pruned.rowCounts, [2, 1, 0]);
  assert.deepEqual(Array.from(pruned.rowToken), [0, 1, 1]);
  // the selection (and so the gates and the load counts) is unchanged
  assert.deepEqual(pruned.counts, all.counts);
  assert.deepEqual(Array.from(pruned.selected), Array.from(all.selected));
  // a threshold above every gate still keeps each token's largest-gate expert (the tie: lower index)
  assert.deepEqual(pruneByGate(all, gates, 0.9).rowCounts, [2, 0, 0]);
});
