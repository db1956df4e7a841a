/** Routing metrics of balancers.md against values worked out by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  auxLossValue,
  cosine,
  expertsUsed,
  gramDeviation,
  normaliseScores,
  pairwiseExpertSimilarity,
  routerEntropy,
  sequenceExpertUtilisation,
  expectedMaxOfNormals,
  simbalValue,
  uniformMaxVio,
} from '../../trainer/training/metrics';
import { maxVio } from '../../protocol/maxVio';
import { seededRandom } from '../../trainer/model/random';
import { updateBias } from '../../trainer/training/balancers';
import { assertClose } from './modelSupport';

test('MaxVio = (max − mean) / mean', () => {
  // mean 2, max 4 → 1
  assert.equal(maxVio([4, 2, 2, 0]), 1);
  assert.equal(maxVio([3, 3, 3]), 0);
  // mean 2.5, max 7 → 1.8
  assertClose([maxVio([7, 1, 1, 1])], [1.8], 1e-12);
  assert.equal(maxVio([0, 0]), 0);
});

test('experts used counts experts with at least one assignment', () => {
  assert.equal(expertsUsed([4, 0, 2, 0]), 2);
});

test('loss-free bias update: b_i += u · sign(mean(c) − c_i)', () => {
  // mean 2: overloaded expert 0 goes down, idle expert 3 goes up, experts at the mean stay
  assertClose(updateBias([0, 0, 0, 0], [4, 2, 2, 0], 0.001), [-0.001, 0, 0, 0.001], 1e-9);
  assertClose(updateBias([0.5, -0.25, 0, 0], [1, 5, 3, 3], 0.01), [0.51, -0.26, 0, 0], 1e-7);
});

test('aux loss value: alpha · E · Σ f_i · P_i', () => {
  // T = 2 tokens, K = 1, E = 3: counts [1, 1, 0] → f = [0.5, 0.5, 0]; P = [0.4, 0.4, 0.2] → Σ = 0.4
  assertClose([auxLossValue([1, 1, 0], [0.4, 0.4, 0.2], 0.01, 1)], [0.012], 1e-12);
  // perfectly balanced with uniform scores gives alpha (the minimum): E · Σ (1/E)(1/E) = 1
  assertClose([auxLossValue([2, 2, 2, 2], [0.25, 0.25, 0.25, 0.25], 0.01, 2)], [0.01], 1e-12);
});

test('Gram deviation and SimBal on a hand-made router', () => {
  // R [dModel 3, E 2], columns (1, 0, 0) and (0, 2, 0): RᵀR = diag(1, 4), RᵀR − I = diag(0, 3)
  const router = [1, 0, 0, 2, 0, 0];
  assertClose([gramDeviation(router, 3, 2)], [9 / 4], 1e-12);
  assertClose([simbalValue(router, 3, 2, 0.1)], [0.3], 1e-12);
  // columns (1, 0) and (0.5, 1): RᵀR = [[1, 0.5], [0.5, 1.25]], RᵀR − I = [[0, .5], [.5, .25]]
  const skewed = [1, 0.5, 0, 1];
  assertClose([simbalValue(skewed, 2, 2, 1)], [1.25], 1e-12);
  assertClose([gramDeviation(skewed, 2, 2)], [(0.25 + 0.25 + 0.0625) / 4], 1e-12);
  // an orthonormal router deviates by 0
  assert.equal(gramDeviation([1, 0, 0, 1, 0, 0], 3, 2), 0);
});

test('PES: identical experts give 1, orthogonal outputs give 0', () => {
  const token = Float32Array.of(1, 2, 3, 0, -1, 4); // two tokens of dim 3
  assertClose([pairwiseExpertSimilarity([token, token, token], 2, 3)], [1], 1e-6);
  const e1 = Float32Array.of(1, 0, 0);
  const e2 = Float32Array.of(0, 1, 0);
  const e3 = Float32Array.of(0, 0, 5);
  assert.equal(pairwiseExpertSimilarity([e1, e2, e3], 1, 3), 0);
  // three experts, cosines: (a,b) = 1, (a,c) = 0, (b,c) = 0 → 2/(3·2) · 1 = 1/3
  assertClose([pairwiseExpertSimilarity([e1, Float32Array.of(2, 0, 0), e3], 1, 3)], [1 / 3], 1e-7);
  // opposite outputs: cos = −1
  assertClose([pairwiseExpertSimilarity([e1, Float32Array.of(-3, 0, 0)], 1, 3)], [-1], 1e-7);
  assert.equal(cosine([0, 0], [1, 1]), 0);
});

test('router entropy of normalised scores', () => {
  // sigmoid scores (0.5, 0.5, 0.5, 0.5) normalise to uniform: entropy ln 4
  const uniform = normaliseScores(Float32Array.of(0.5, 0.5, 0.5, 0.5), 4);
  assertClose(uniform, [0.25, 0.25, 0.25, 0.25], 1e-7);
  assertClose([routerEntropy(uniform, 4)], [Math.log(4)], 1e-6);
  // one token certain (entropy 0), one uniform over 2 of 4 (ln 2): mean ln2 / 2
  assertClose([routerEntropy(Float32Array.of(1, 0, 0, 0, 0.5, 0.5, 0, 0), 4)], [Math.log(2) / 2], 1e-7);
});

test('SEU: mean fraction of experts used per sequence', () => {
  // 2 sequences of 2 tokens, E = 4, K = 1; sequence 0 uses experts {0, 1}, sequence 1 only {3}
  const selected = [1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 0, 1, 0, 0, 0, 1];
  assertClose([sequenceExpertUtilisation(selected, 2, 2, 4)], [(2 / 4 + 1 / 4) / 2], 1e-12);
});

test('MaxVio noise floor of uniform routing: √(E/(E−1)) · e_E · √((1 − K/E)/(T·K/E)), by hand and by simulation', () => {
  // e_2 = 1/√π, e_3 = 3/(2√π) in closed form
  assertClose(
    [expectedMaxOfNormals(2), expectedMaxOfNormals(3)],
    [1 / Math.sqrt(Math.PI), 3 / (2 * Math.sqrt(Math.PI))],
    1e-7,
  );
  // E 2, K 1: √2 · (1/√π) · √(½ / (T·½)) = √(2/(πT)); T = 1024 → 0.0249339
  assertClose([uniformMaxVio(1024, 2, 1)], [Math.sqrt(2 / (Math.PI * 1024))], 1e-8);
  assert.equal(uniformMaxVio(1024, 8, 8), 0, 'every expert picked by every token');
  // E 8, K 2, T 1024 (docs: ~0.08), against 300 simulated uniform routings (standard error ~1.5%)
  const random = seededRandom(11);
  let total = 0;
  for (let run = 0; run < 300; run++) {
    const counts = new Array<number>(8).fill(0);
    for (let t = 0; t < 1024; t++) {
      const first = Math.floor(random() * 8);
      const second = (first + 1 + Math.floor(random() * 7)) % 8; // a second, different expert, uniformly
      counts[first]++;
      counts[second]++;
    }
    total += maxVio(counts);
  }
  const simulated = total / 300;
  assert.ok(
    Math.abs(uniformMaxVio(1024, 8, 2) - simulated) < 0.06 * simulated,
    `formula ${uniformMaxVio(1024, 8, 2)} vs simulated ${simulated}`,
  );
  assertClose([uniformMaxVio(32_768, 8, 2)], [0.01456], 1e-5);
});
