// Runs trained outside MoE Lens, in a real VS Code: the Python demo (moe_lens, real PyTorch on the CPU)
// writing into the workspace's runs directory shows live and then its dashboard; a Megatron-LM output
// folder (the fixture of test/fixtures/megatron, Megatron's own formats) under moeLens.extraRunRoots is
// tailed while it grows, then turns stale when it stops; "Open Run Folder…" adds a run from elsewhere.
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import {
  chooseFolderInDialog,
  drawnPixels,
  frameWith,
  parseRunDescription,
  pickQuickItem,
  repoRoot,
  runCommand,
  runCommandShowing,
  runsTreeRow,
  showMoeLens,
  vsCodeForTests,
  waitFor,
  waitForRun,
} from './harness';

const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';
const FIXTURE = join(repoRoot, 'test', 'fixtures', 'megatron', 'megatron-run');
const TRACES = ['router_trace_rank0.jsonl', 'router_trace_rank1.jsonl'];
/** lines per iteration in each trace file: 2 micro-batches × (2 decoder layers + 1 MTP record) */
const LINES_PER_ITERATION = 6;
const STALE_AFTER_SECONDS = 8;
/** the title of Open Run Folder's dialog (extension/commands/openRunFolder.ts) */
const OPEN_RUN_FOLDER_TITLE = 'MoE Lens: a run folder (events.jsonl), a Megatron-LM output folder, or a folder of runs';

const outside = mkdtempSync(join(tmpdir(), 'moe-lens-e2e-outside-'));
const extraRoot = join(outside, 'cluster-runs');
const megatronRun = join(extraRoot, 'megatron-run');
const traceLines = TRACES.map((file) =>
  readFileSync(join(FIXTURE, file), 'utf8')
    .split(/(?<=\n)/)
    .filter(Boolean),
);

/** The fixture's first `iterations` iterations in megatronRun (a Megatron job part way through). */
function writeMegatronIterations(from: number, to: number): void {
  TRACES.forEach((file, rank) => {
    const lines = traceLines[rank].slice(from * LINES_PER_ITERATION, to * LINES_PER_ITERATION).join('');
    appendFileSync(join(megatronRun, file), lines);
  });
}

const trainers: ChildProcess[] = [];
const DEMO_STEPS = 600;
function trainDemo(out: string, steps: number): ChildProcess {
  const evalEvery = String(Math.max(10, Math.round(steps / 4)));
  const child = spawn(
    PYTHON,
    ['-m', 'moe_lens.demo', '--out', out, '--steps', String(steps), '--eval-every', evalEvery],
    {
      env: { ...process.env, PYTHONPATH: join(repoRoot, 'python') },
      stdio: 'ignore',
    },
  );
  trainers.push(child);
  return child;
}
const exited = (child: ChildProcess) =>
  new Promise<number | null>((resolve) =>
    child.exitCode !== null ? resolve(child.exitCode) : child.once('exit', resolve),
  );

const session = vsCodeForTests({
  name: 'imported',
  trust: true,
  userSettings: { 'moeLens.extraRunRoots': [extraRoot], 'moeLens.staleAfterSeconds': STALE_AFTER_SECONDS },
  prepare: () => {
    mkdirSync(megatronRun, { recursive: true });
    writeMegatronIterations(0, 10);
  },
});

after(() => {
  for (const child of trainers) if (child.exitCode === null) child.kill('SIGTERM');
  rmSync(outside, { recursive: true, force: true });
});

/** A Runs-tree description without its leading start time and short id ('14:03:12 #3fa2 · '). */
const withoutStartLabel = (description: string) => description.replace(/^\d\d:\d\d:\d\d #[0-9a-f]+ · /, '');

test(
  'the Python demo writing into .moe-runs shows live in the Runs view, then on the dashboard',
  { timeout: 300_000 },
  async () => {
    const { vscode, workspace } = session;
    const { page } = vscode;
    await showMoeLens(page);
    // ≈ 20 ms a step here: long enough to be seen running while VS Code's file watcher reports the new
    // run folder, which takes seconds on a loaded machine (40 steps ended before the tree showed it, in CI).
    const demo = trainDemo(join(workspace, '.moe-runs', 'py-demo'), DEMO_STEPS);
    const live = await waitForRun(
      page,
      'the Python demo running',
      (item) => item.label === 'py-demo' && item.description.endsWith('running'),
    );
    assert.equal(parseRunDescription(live.description)?.total, DEMO_STEPS);
    assert.equal(await exited(demo), 0, `the demo trained ${DEMO_STEPS} steps`);
    const done = await waitForRun(
      page,
      'the Python demo completed',
      (item) => item.label === 'py-demo' && item.description.endsWith('completed'),
    );
    assert.equal(withoutStartLabel(done.description), `aux-loss · ${DEMO_STEPS}/${DEMO_STEPS} · completed`);

    await runCommandShowing(page, 'MoE Lens: Open Dashboard', 'py-demo');
    await pickQuickItem(page, 'py-demo');
    const dashboard = await frameWith(page, 'canvas#chart-loss');
    const points = await waitFor('loss points', async () => {
      const n = Number(await dashboard.getAttribute('canvas#chart-loss', 'data-points'));
      return n >= DEMO_STEPS && n;
    });
    assert.ok(points >= DEMO_STEPS);
    assert.ok((await drawnPixels(dashboard, 'canvas#heatmap-load')) > 0, 'the expert-load heatmap is drawn');
    await vscode.screenshot('imported-python-demo-dashboard');
  },
);

test(
  'a Megatron-LM folder under moeLens.extraRunRoots is tailed while it grows, then turns stale',
  { timeout: 240_000 },
  async () => {
    const { page } = session.vscode;
    await showMoeLens(page);
    // 10 iterations were written before VS Code opened, and nothing since: stale, every written step shown.
    const before = await waitForRun(
      page,
      'the Megatron run, stale',
      (item) => item.label === 'megatron-run' && item.description.endsWith('stale'),
    );
    assert.equal(withoutStartLabel(before.description), 'none · 10/? · stale');
    // The job goes on: a step shows once both rank files have a later one, and the run is running again.
    writeMegatronIterations(10, 24);
    await waitForRun(
      page,
      'the Megatron run to grow',
      (item) => item.label === 'megatron-run' && withoutStartLabel(item.description) === 'none · 23/? · running',
    );
    // Nothing more is written: after moeLens.staleAfterSeconds the newest step counts, and the run is stale.
    await waitForRun(
      page,
      'the Megatron run stale again',
      (item) => item.label === 'megatron-run' && withoutStartLabel(item.description) === 'none · 24/? · stale',
      60_000,
    );

    // A click on its row shows it in the preview dashboard; the Python demo's, which the previous test
    // opened from the palette, is a dashboard of its own and stays as it is.
    await runsTreeRow(page, 'megatron-run').click();
    const dashboard = await frameWith(page, '.run-header h1:text-is("megatron-run")');
    await waitFor(
      'the Megatron load heatmap drawn',
      async () => (await drawnPixels(dashboard, 'canvas#heatmap-load')) > 0,
    );
    assert.match(await dashboard.innerText('.run-header .stats'), /^step 24 \/ \?/);
    await session.vscode.screenshot('imported-megatron-dashboard');
  },
);

// The dialog is code-server's simple file dialog, answered by its states (harness/fileDialog.ts): typed
// into while the palette that ran the command still showed, the path was lost and Enter took the dialog's
// default folder (the workspace), which is why this test used to fail now and then.
test('Open Run Folder… adds a run folder from outside the workspace', { timeout: 240_000 }, async () => {
  const { page } = session.vscode;
  const elsewhere = join(outside, 'elsewhere', 'py-small');
  assert.equal(await exited(trainDemo(elsewhere, 4)), 0);
  writeFileSync(join(outside, 'elsewhere', 'README'), 'not a run\n');
  await runCommand(page, 'MoE Lens: Open Run Folder…');
  await chooseFolderInDialog(page, OPEN_RUN_FOLDER_TITLE, elsewhere);
  const item = await waitForRun(page, 'the opened run', (run) => run.label === 'py-small');
  assert.equal(withoutStartLabel(item.description), 'aux-loss · 4/4 · completed');
  await session.vscode.screenshot('imported-open-run-folder');
});
