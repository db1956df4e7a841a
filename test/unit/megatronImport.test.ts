// Megatron-LM import: the fixture (test/fixtures/megatron/write-fixture.mjs, Megatron's own formats) read
// as a run — counts against sums worked out from the files, live growth, tokens-per-expert files alone.
import assert from 'node:assert/strict';
import {
  appendFileSync,
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { spawnSync } from 'node:child_process';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import type { StartEvent, StepEvent } from '../../protocol/events';
import { parseRouterTraceLine, parseTokensPerExpertLine } from '../../protocol/megatron';
import { isMegatronFolder, MegatronSource } from '../../extension/runs/megatronSource';
import { reduceEventReader } from '../../extension/runs/runReduction';
import { DEFAULT_READ_BUDGET_BYTES } from '../../extension/runs/lineTail';

const FIXTURE = join(__dirname, '..', '..', '..', 'test', 'fixtures', 'megatron', 'megatron-run');
const lines = <T>(file: string) =>
  readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as T);
/** A line of router_trace_rank{N}.jsonl, and one of tokens_per_expert/rank{N}.jsonl. */
interface TraceRecord {
  block: string;
  step: number;
  layer: number;
  top_indices: number[][];
}
interface TokensPerExpertRecord {
  iter: number;
  layer: number;
  tpe: number[][];
}

/** Per step (1-based) and decoder layer, counts summed over both rank files: the expected values. */
function expectedFromTraces(dir: string): Map<number, Map<number, number[]>> {
  const steps = new Map<number, Map<number, number[]>>();
  for (const rank of [0, 1]) {
    for (const r of lines<TraceRecord>(join(dir, `router_trace_rank${rank}.jsonl`))) {
      if (r.block !== 'decoder') continue;
      const layers = steps.get(r.step + 1) ?? new Map<number, number[]>();
      steps.set(r.step + 1, layers);
      const counts = layers.get(r.layer) ?? Array<number>(8).fill(0);
      for (const row of r.top_indices) for (const e of row) counts[e]++;
      layers.set(r.layer, counts);
    }
  }
  return steps;
}

test('a finished Megatron folder reads as a start event and one step per iteration, counts summed over ranks', async () => {
  assert.ok(isMegatronFolder(FIXTURE));
  const { events, problems, reset } = await new MegatronSource(FIXTURE).read(true);
  assert.deepEqual(problems, []);
  assert.equal(reset, false);
  const start = events[0] as StartEvent;
  assert.equal(start.type, 'start');
  assert.deepEqual(start.moeLayers, [1, 3]);
  assert.equal(start.config.model.experts, 8);
  assert.equal(start.config.model.topK, 2);
  assert.equal(start.config.training.steps, 0, 'the files do not say how many steps the job trains');
  assert.equal(start.runName, 'megatron-run');
  const steps = events.slice(1) as StepEvent[];
  assert.deepEqual(
    steps.map((e) => e.step),
    Array.from({ length: 24 }, (_, i) => i + 1),
  );
  const expected = expectedFromTraces(FIXTURE);
  for (const event of steps) {
    assert.deepEqual(event.expertCounts, [expected.get(event.step)!.get(1), expected.get(event.step)!.get(3)]);
    // 2 ranks × 2 micro-batches × 16 tokens × top-2; the MTP records (experts 7, 6) are not counted
    assert.ok(event.expertCounts.every((row) => row.reduce((a, b) => a + b) === 128));
    const row = event.expertCounts[0];
    const mean = 16;
    assert.equal(event.maxVioBatch[0], (Math.max(...row) - mean) / mean);
  }
  assert.ok(Number.isNaN(steps[0].loss), 'Megatron writes no loss in these files');
});

test('while Megatron writes, a step shows once every rank file has a later one; final shows the last', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-lens-megatron-'));
  const files = [0, 1].map((rank) => `router_trace_rank${rank}.jsonl`);
  const all = files.map((f) => readFileSync(join(FIXTURE, f), 'utf8').split(/(?<=\n)/));
  const perStep = 6; // 2 micro-batches × (2 decoder layers + 1 MTP record)
  // rank 0 has written 3 iterations, rank 1 two and half a line
  writeFileSync(join(dir, files[0]), all[0].slice(0, 3 * perStep).join(''));
  writeFileSync(join(dir, files[1]), all[1].slice(0, 2 * perStep).join('') + all[1][2 * perStep].slice(0, 40));
  const source = new MegatronSource(dir);
  let read = await source.read();
  assert.deepEqual(
    read.events.map((e) => e.type),
    ['start', 'step'],
  ); // step 1 only: rank 1's last is step 2
  appendFileSync(
    join(dir, files[1]),
    all[1][2 * perStep].slice(40) + all[1].slice(2 * perStep + 1, 4 * perStep).join(''),
  );
  read = await source.read();
  assert.deepEqual(
    read.events.map((e) => (e as StepEvent).step),
    [2],
  ); // rank 0 is at step 3 now
  read = await source.read(true);
  assert.deepEqual(
    read.events.map((e) => (e as StepEvent).step),
    [3, 4],
  ); // final: the newest steps too
  const expected = expectedFromTraces(FIXTURE);
  // step 3: both ranks' whole step (rank 1 is written through step 4)
  assert.deepEqual((read.events[0] as StepEvent).expertCounts![0], expected.get(3)!.get(1));
  rmSync(dir, { recursive: true, force: true });
});

test('tokens-per-expert files alone give counts at their iterations, summed over ranks and micro-batches', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-lens-megatron-tpe-'));
  mkdirSync(join(dir, 'tokens_per_expert'));
  cpSync(join(FIXTURE, 'tokens_per_expert'), join(dir, 'tokens_per_expert'), { recursive: true });
  const { events } = await new MegatronSource(dir).read(true);
  const steps = events.slice(1) as StepEvent[];
  assert.deepEqual(
    steps.map((e) => e.step),
    [2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24],
  );
  const sum = (iter: number, layer: number) => {
    const total = Array<number>(8).fill(0);
    for (const rank of [0, 1]) {
      const record = lines<TokensPerExpertRecord>(join(dir, 'tokens_per_expert', `rank${rank}.jsonl`)).find(
        (r) => r.iter === iter && r.layer === layer,
      );
      for (const mb of record!.tpe) mb.forEach((c: number, e: number) => (total[e] += c));
    }
    return total;
  };
  assert.deepEqual(steps[0].expertCounts, [sum(2, 1), sum(2, 3)]);
  // the traces of the same run count the same assignments at that iteration
  assert.deepEqual(
    steps[0].expertCounts,
    [1, 3].map((l) => expectedFromTraces(FIXTURE).get(2)!.get(l)),
  );
  rmSync(dir, { recursive: true, force: true });
});

test('a bad record names its field', () => {
  assert.throws(
    () => parseRouterTraceLine('{"step": 0, "layer": 1, "topk": 2, "top_indices": [[1, -2]]}'),
    /"top_indices"\[0\]: expected expert indices/,
  );
  assert.throws(
    () => parseRouterTraceLine('{"layer": 1, "topk": 2, "top_indices": []}'),
    /"step": expected an integer/,
  );
  assert.throws(() => parseTokensPerExpertLine('{"iter": 1, "layer": 0, "tpe": [3, 4]}'), /"tpe": expected a list/);
  assert.equal(parseRouterTraceLine('{"step": 0, "block": "mtp", "layer": 1}'), undefined);
});

test('trace files larger than one read are read to their end, every step shown', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'moe-lens-megatron-big-'));
  const iterations = 24; // the fixture's
  let copies = 0;
  for (const rank of [0, 1]) {
    const records = lines<TraceRecord>(join(FIXTURE, `router_trace_rank${rank}.jsonl`));
    const file = join(dir, `router_trace_rank${rank}.jsonl`);
    // the fixture's iterations again and again, renumbered, until the file is over two read budgets
    for (copies = 0; !existsSync(file) || statSync(file).size <= 2 * DEFAULT_READ_BUDGET_BYTES; copies++) {
      const shifted = records.map((r) => JSON.stringify({ ...r, step: r.step + copies * iterations }));
      appendFileSync(file, shifted.join('\n') + '\n');
    }
  }
  const state = await reduceEventReader(new MegatronSource(dir), true);
  assert.equal(state.step, copies * iterations, 'the last step of both files');
  rmSync(dir, { recursive: true, force: true });
});

test(
  'a FIFO named moe-lens.json is reported, not read for ever (it is read on every poll)',
  { skip: process.platform === 'win32' },
  async () => {
    const dir = mkdtempSync(join(tmpdir(), 'moe-lens-megatron-fifo-'));
    cpSync(join(FIXTURE, 'router_trace_rank0.jsonl'), join(dir, 'router_trace_rank0.jsonl'));
    spawnSync('mkfifo', [join(dir, 'moe-lens.json')]);
    const { events, problems } = await new MegatronSource(dir).read(true);
    assert.match(
      problems.join(),
      /moe-lens\.json: the moe-lens\.json is a FIFO \(named pipe\), expected a regular file/,
    );
    assert.ok(
      events.some((e) => e.type === 'step'),
      'the traces are read all the same',
    );
    rmSync(dir, { recursive: true, force: true });
  },
);
