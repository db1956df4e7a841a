/**
 * `npm run compare`: trains each balancer (arm) over several seeds on the same config, data and budget
 * (one trainer process after another), keeps every run as a folder of the runs directory the extension
 * opens, and prints mean ± sd over seeds of the final eval and the steps each arm needs to reach the
 * baseline's final val loss. Writes the table and a JSON report beside the runs.
 *
 *   node dist/compare.js [--preset examples/papers/X.compare.json] [--steps N] [--seeds S] [--out RUNS]
 *     [--name NAME] [--balancers none,aux-loss,...] [--baseline LABEL] [--config BASE] [--backend NAME]
 *
 * The router's settings (init, weight decay, gate normalisation) are the base config's for every arm;
 * only a preset arm that names `router` changes them (and the report says so).
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { parseComparePreset, type ComparePreset, type CompareReport } from '../../protocol/comparePreset';
import { RUN_FILES } from '../../protocol/events';
import { BALANCER_METHODS, parseRunConfig, type BalancerMethod, type RunConfig } from '../../protocol/runConfig';
import { summarizeRun } from '../run/summary';
import { armStats, paperSection, seedTable, type ArmRuns } from './compareStats';

const DEFAULT_BALANCERS = ['none', 'aux-loss', 'loss-free', 'simbal', 'loss-free+simbal'];

const USAGE = `usage: node dist/compare.js [--preset FILE] [--steps N] [--seeds S] [--out RUNS] [--name NAME] [--balancers ${DEFAULT_BALANCERS.join(',')}]
                          [--baseline LABEL] [--config BASE.moe.json] [--backend NAME]
Trains each balancer (labels joined by "+" combine methods), or each arm of a paper preset, on BASE's
model and data for N steps with S seeds (BASE's seed, +1, +2, …); runs go to RUNS/NAME-<arm>-s<seed>
(default RUNS .moe-runs). Prints mean ± sd over seeds and writes RUNS/NAME.compare.md and .json.`;

function fail(message: string): never {
  process.stderr.write(`compare: ${message}\n`);
  process.exit(2);
}

function parseBalancer(label: string): BalancerMethod[] {
  const methods = label.split('+');
  for (const m of methods) {
    if (!BALANCER_METHODS.includes(m as BalancerMethod))
      fail(`--balancers: unknown balancer "${m}"; expected ${BALANCER_METHODS.join(', ')} joined by "+"`);
  }
  return methods as BalancerMethod[];
}

function positiveInteger(name: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) fail(`--${name}: expected a positive integer, got "${text}"`);
  return n;
}

function readPreset(file: string): ComparePreset {
  try {
    return parseComparePreset(readFileSync(file, 'utf8'), file);
  } catch (error) {
    fail((error as Error).message);
  }
}

function readConfig(file: string, shownAs: string): RunConfig {
  try {
    return parseRunConfig(readFileSync(file, 'utf8'), shownAs);
  } catch (error) {
    fail((error as Error).message);
  }
}

interface Arm {
  label: string;
  balancer: RunConfig['balancer'];
  router: RunConfig['router'];
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        preset: { type: 'string' },
        steps: { type: 'string' },
        seeds: { type: 'string' },
        out: { type: 'string', default: '.moe-runs' },
        name: { type: 'string' },
        balancers: { type: 'string' },
        baseline: { type: 'string' },
        config: { type: 'string', default: 'examples/aux-loss.moe.json' },
        backend: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (error) {
    fail((error as Error).message);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  const presetFile = values.preset && resolve(values.preset);
  const preset = presetFile ? readPreset(presetFile) : undefined;
  if (preset && values.balancers) fail('--balancers: a preset names its own arms');
  const baseFile = preset ? resolve(dirname(presetFile!), preset.config) : resolve(values.config);
  const base = readConfig(baseFile, preset ? relative(process.cwd(), baseFile) : values.config);
  const steps = positiveInteger('steps', values.steps) ?? preset?.steps ?? 200;
  const seedCount = positiveInteger('seeds', values.seeds) ?? preset?.seeds ?? 3;
  const seeds = Array.from({ length: seedCount }, (_, i) => base.training.seed + i);

  // every arm: the base config's balancer settings with its own methods (or the preset's changes);
  // the base file's balancer settings as written, so defaults of the arm's combination apply
  const written = (JSON.parse(readFileSync(baseFile, 'utf8')) as { balancer?: object }).balancer;
  const arms: Arm[] = preset
    ? preset.arms.map((a) => {
        const resolved = armConfig(base, a, `${values.preset}: arm ${a.label}`);
        return { label: a.label, balancer: resolved.balancer, router: resolved.router };
      })
    : (values.balancers ?? DEFAULT_BALANCERS.join(','))
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
        .map((label) => {
          const resolved = armConfig(
            base,
            { label, balancer: { ...written, methods: parseBalancer(label) } },
            `${values.config}: --balancers ${label}`,
          );
          return { label, balancer: resolved.balancer, router: resolved.router };
        });
  const baseline =
    values.baseline ?? preset?.baseline ?? (arms.some((a) => a.label === 'aux-loss') ? 'aux-loss' : arms[0].label);
  if (!arms.some((a) => a.label === baseline))
    fail(`--baseline: "${baseline}" is not one of the arms ${arms.map((a) => a.label).join(', ')}`);

  const outDir = resolve(values.out);
  const name =
    values.name ??
    `${preset ? presetName(presetFile!) : 'compare'}-${new Date().toISOString().slice(0, 19).replace(/[:T]/g, '-')}`;
  const trainer = join(__dirname, 'trainer.js');
  const configDir = join(outDir, `${name}.configs`);
  mkdirSync(configDir, { recursive: true });

  const armRuns: ArmRuns[] = [];
  const folders: string[][] = [];
  for (const arm of arms) {
    const runs = [];
    const armFolders = [];
    for (const seed of seeds) {
      const folder = `${name}-${arm.label.replace(/\+/g, '-')}-s${seed}`;
      const runDir = join(outDir, folder);
      if (existsSync(join(runDir, RUN_FILES.events))) fail(`${runDir} already holds a run; choose another --name`);
      // Same shape, data and steps; the arm's balancer; the seed of this repetition.
      const config = {
        ...base,
        name: folder,
        training: { ...base.training, steps, seed, warmup: Math.min(base.training.warmup, steps - 1) },
        data: { ...base.data, files: base.data.files.map((f) => resolve(dirname(baseFile), f)) },
        balancer: arm.balancer,
        router: arm.router,
      };
      // beside the runs, not in the run folder: the trainer takes only an empty or absent --out
      const configFile = join(configDir, `${folder}.moe.json`);
      writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
      process.stderr.write(`compare: training ${arm.label}, seed ${seed}, ${steps} steps → ${runDir}\n`);
      const args = [
        trainer,
        '--config',
        configFile,
        '--out',
        runDir,
        ...(values.backend ? ['--backend', values.backend] : []),
      ];
      const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
      if (result.status === 2 || !existsSync(join(runDir, RUN_FILES.events)))
        fail(`the trainer refused ${configFile} (exit code ${result.status})`);
      runs.push(summarizeRun(arm.label, readFileSync(join(runDir, RUN_FILES.events), 'utf8'), base.model.experts));
      armFolders.push(folder);
    }
    armRuns.push({ label: arm.label, runs });
    folders.push(armFolders);
  }

  const stats = armStats(armRuns, baseline);
  const table = seedTable(stats, base.model.experts, baseline);
  const last = armRuns[0].runs[0];
  const command =
    `npm run compare -- ${preset ? `--preset ${values.preset}` : `--balancers ${arms.map((a) => a.label).join(',')} --config ${values.config}`}` +
    ` --steps ${steps} --seeds ${seedCount}${values.backend ? ` --backend ${values.backend}` : ''}`;
  const routerNote = arms.some((a) => JSON.stringify(a.router) !== JSON.stringify(base.router))
    ? `router settings differ by arm: ${arms.map((a) => `${a.label} ${a.router.init}/${a.router.weightDecay}`).join(', ')}`
    : `router ${base.router.init} init, weight decay ${base.router.weightDecay}, gates normalised: ${base.router.normaliseGates} — the same for every arm`;
  const floor =
    last.maxVioNoiseFloor === undefined
      ? ''
      : `; MaxVio noise floor of uniform routing at ${last.evalTokens} eval tokens: ${last.maxVioNoiseFloor.toFixed(4)}`;
  const shape =
    `${base.model.layers} layers, d ${base.model.dModel}, ${base.model.experts} experts top-${base.model.topK}` +
    `${base.model.sharedExperts ? ` + ${base.model.sharedExperts} shared` : ''}, ${base.model.gate} gate, batch ${base.training.batchSize} × ${base.model.seqLen}, ` +
    `seeds ${seeds.join(', ')}; ${routerNote}`;
  const report: CompareReport = {
    name,
    command,
    ...(preset && { preset: { ...preset, file: values.preset! } }),
    steps,
    seeds,
    baseline,
    experts: base.model.experts,
    evalTokens: last.evalTokens,
    maxVioNoiseFloor: last.maxVioNoiseFloor,
    arms: stats.map((s, i) => ({ ...s, runs: folders[i] })),
    table,
  };
  const title = preset ? preset.title : 'Balancer comparison';
  const paper = preset ? `\n${paperSection(preset, stats)}` : '';
  const markdown = `# ${title}\n\n\`${command}\`\n\n${shape}; ${steps} steps; mean ± sd over ${seedCount} seeds of the final eval${floor}.\n\n${table}${paper}`;
  writeFileSync(join(outDir, `${name}.compare.md`), markdown);
  writeFileSync(join(outDir, `${name}.compare.json`), JSON.stringify(report, null, 1) + '\n');
  process.stdout.write(table);
  process.stderr.write(`compare: wrote ${join(outDir, `${name}.compare.md`)} and .json\n`);
}

/** examples/papers/loss-free.compare.json → loss-free */
const presetName = (file: string) => file.replace(/^.*[\\/]/, '').replace(/\.compare\.json$/, '');

/** The base config with an arm's balancer (in full) and router changes, validated as a whole. */
function armConfig(base: RunConfig, arm: ComparePreset['arms'][number], shownAs: string): RunConfig {
  const input = { ...base, balancer: arm.balancer, router: { ...base.router, ...arm.router } };
  try {
    return parseRunConfig(JSON.stringify(input), shownAs);
  } catch (error) {
    fail((error as Error).message);
  }
}

main();
