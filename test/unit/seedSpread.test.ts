/** Runs grouped by seed and the spread of their curves (Compare Run Curves' seed band), by hand. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { resolveRunConfig } from '../../protocol/runConfig';
import {
  groupBySeed,
  seedBand,
  seedGroupKey,
  seedGroupNames,
  spread,
  valueOnCurve,
} from '../../protocol/runModel/seedSpread';
import { assertClose } from './modelSupport';

test('spread: mean and sample sd (n − 1)', () => {
  // 2, 4, 6: mean 4, squared deviations 4 + 0 + 4 = 8, /2 → sd 2
  assert.deepEqual(spread([2, 4, 6]), { mean: 4, sd: 2, n: 3 });
  assert.deepEqual(spread([5, undefined]), { mean: 5, sd: 0, n: 1 });
  assert.equal(spread([undefined]), undefined);
});

const config = (name: string, seed: number, methods: ('aux-loss' | 'loss-free')[] = ['aux-loss']) =>
  resolveRunConfig({
    name,
    model: { layers: 2, experts: 8, topK: 2, dModel: 32, heads: 2, seqLen: 32, expertHidden: 64 },
    training: { steps: 100, seed },
    balancer: { methods },
  });

test('seedGroupKey: the config without its name and seed, whatever the key order', () => {
  const a = seedGroupKey(config('cmp-aux-loss-s42', 42))!;
  const b = seedGroupKey(config('cmp-aux-loss-s43', 43))!;
  assert.equal(a.seed, 42);
  assert.equal(b.seed, 43);
  assert.equal(a.key, b.key);
  const reordered = Object.fromEntries(Object.entries(config('other', 44)).reverse()) as ReturnType<typeof config>;
  assert.equal(seedGroupKey(reordered)!.key, a.key);
  assert.notEqual(seedGroupKey(config('x', 42, ['loss-free']))!.key, a.key, 'another balancer is another group');
  const noSeed = { ...config('x', 1), training: {} } as unknown as ReturnType<typeof config>;
  assert.equal(seedGroupKey(noSeed), undefined, 'a config without a numeric seed (another writer) has no group');
});

test('groupBySeed: runs of one config by seed, in first-seen order; the same seed twice and unknown configs stay apart', () => {
  const runs = [
    { id: 'a42', config: config('c-aux-loss-s42', 42) },
    { id: 'lf42', config: config('c-loss-free-s42', 42, ['loss-free']) },
    { id: 'a43', config: config('c-aux-loss-s43', 43) },
    { id: 'unknown' },
    { id: 'a42-again', config: config('c-aux-loss-s42', 42) },
    { id: 'a44', config: config('c-aux-loss-s44', 44) },
  ];
  const groups = groupBySeed(runs, (r) => (r.config ? seedGroupKey(r.config) : undefined));
  assert.deepEqual(
    groups.map((g) => [g.members.map((r) => r.id), g.seeds]),
    [
      [
        ['a42', 'a43', 'a44'],
        [42, 43, 44],
      ],
      [['lf42'], [42]],
      [['unknown'], [undefined]],
      [['a42-again'], [42]],
    ],
  );
});

test('valueOnCurve: the point at x, linear between points, nothing outside the curve', () => {
  const curve = [
    { x: 0, y: 2 },
    { x: 20, y: 8 },
    { x: 30, y: 9 },
  ];
  assert.equal(valueOnCurve(curve, 0), 2);
  assert.equal(valueOnCurve(curve, 10), 5); // 2 + (8 − 2)·10/20
  assert.equal(valueOnCurve(curve, 30), 9);
  assert.equal(valueOnCurve(curve, 31), undefined);
  assert.equal(valueOnCurve(curve, -1), undefined);
  assert.equal(valueOnCurve([], 0), undefined);
});

test('seedBand over curves of uneven length: mean, sample sd, min and max of the curves that reach each step', () => {
  const a = [
    { x: 0, y: 1 },
    { x: 10, y: 3 },
    { x: 20, y: 5 },
  ];
  const b = [
    { x: 0, y: 3 },
    { x: 10, y: 5 },
  ];
  // c has no point at 10: 2 + (8 − 2)·10/20 = 5 there
  const c = [
    { x: 0, y: 2 },
    { x: 20, y: 8 },
  ];
  const band = seedBand([a, b, c]);
  assert.deepEqual(
    band.map((p) => [p.x, p.n, p.min, p.max]),
    [
      [0, 3, 1, 3],
      [10, 3, 3, 5],
      [20, 2, 5, 8], // b ended at 10
    ],
  );
  // step 0: 1, 3, 2 → mean 2, squared deviations 1 + 1 + 0 = 2, /2 → sd 1
  // step 10: 3, 5, 5 → mean 13/3, deviations −4/3, 2/3, 2/3 → (16 + 4 + 4)/9 / 2 = 4/3 → sd √(4/3) = 1.1547
  // step 20: 5, 8 → mean 6.5, (1.5² + 1.5²)/1 = 4.5 → sd √4.5 = 2.1213
  assertClose(
    band.map((p) => p.mean),
    [2, 13 / 3, 6.5],
    1e-12,
  );
  assertClose(
    band.map((p) => p.sd),
    [1, 1.1547005383792515, 2.1213203435596424],
    1e-12,
  );
  assert.deepEqual(seedBand([]), []);
});

test('seedGroupNames: without the seed suffix, and without the prefix every group shares up to a "-"', () => {
  const run = (arm: string) => ({ name: `tiny-paper-2026-12-02-06-53-59-${arm}-s42`, seed: 42 });
  assert.deepEqual(seedGroupNames([run('aux-loss'), run('loss-free')]), ['aux-loss', 'loss-free']);
  // one group keeps its whole name; a name without the seed suffix stays as it is
  assert.deepEqual(seedGroupNames([run('aux-loss')]), ['tiny-paper-2026-12-02-06-53-59-aux-loss']);
  assert.deepEqual(seedGroupNames([{ name: 'mine', seed: 1 }]), ['mine']);
  // the shared prefix is cut at a "-" only: "aux-loss" and "aux-loss-free" share "aux-"
  assert.deepEqual(seedGroupNames([{ name: 'aux-loss' }, { name: 'aux-loss-free' }]), ['loss', 'loss-free']);
  // nothing shared up to a "-": names as they are
  assert.deepEqual(seedGroupNames([{ name: 'alpha' }, { name: 'beta' }]), ['alpha', 'beta']);
});
