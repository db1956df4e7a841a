/**
 * `npm run compare`: trains each balancer on the same seed, data and budget (one trainer process
 * after another) and writes a markdown table of the final eval to stdout and <out>/compare.md.
 *
 *   node dist/compare.js [--steps N] [--out DIR] [--balancers none,aux-loss,...] [--config BASE] [--backend NAME]
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { RUN_FILES } from '../../protocol/events';
import { BALANCER_METHODS, balancerLabel, parseRunConfig, type BalancerMethod } from '../../protocol/runConfig';
import { compareTable, summarizeRun, type RunSummary } from '../run/summary';

const DEFAULT_BALANCERS = ['none', 'aux-loss', 'loss-free', 'simbal', 'loss-free+simbal'];

const USAGE = `usage: node dist/compare.js [--steps N] [--out DIR] [--balancers ${DEFAULT_BALANCERS.join(',')}] [--config BASE.moe.json] [--backend NAME]
Trains each balancer (labels joined by "+" combine methods) on BASE's model, seed and data for N steps,
then prints a markdown table of the final eval and writes it to DIR/compare.md.`;

function fail(message: string): never {
  process.stderr.write(`compare: ${message}\n`);
  process.exit(2);
}

function parseBalancer(label: string): BalancerMethod[] {
  const methods = label.split('+');
  for (const m of methods) {
    if (!BALANCER_METHODS.includes(m as BalancerMethod)) fail(`--balancers: unknown balancer "${m}"; expected ${BALANCER_METHODS.join(', ')} joined by "+"`);
  }
  return methods as BalancerMethod[];
}

function main(): void {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        steps: { type: 'string', default: '200' },
        out: { type: 'string', default: join('.moe-runs', `compare-${new Date().toISOString().replace(/[:.]/g, '-')}`) },
        balancers: { type: 'string', default: DEFAULT_BALANCERS.join(',') },
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
  const steps = Number(values.steps);
  if (!Number.isInteger(steps) || steps < 1) fail(`--steps: expected a positive integer, got "${values.steps}"`);
  const baseFile = resolve(values.config);
  let base;
  try {
    base = parseRunConfig(readFileSync(baseFile, 'utf8'), values.config);
  } catch (error) {
    fail((error as Error).message);
  }
  const outDir = resolve(values.out);
  const labels = values.balancers.split(',').map((s) => s.trim()).filter(Boolean);
  const trainer = join(__dirname, 'trainer.js');
  mkdirSync(outDir, { recursive: true });

  const rows: RunSummary[] = [];
  for (const label of labels) {
    const methods = parseBalancer(label);
    const name = balancerLabel(methods).replace(/\+/g, '-');
    const runDir = join(outDir, name);
    if (existsSync(join(runDir, RUN_FILES.events))) fail(`${runDir} already holds a run; choose another --out`);
    // Same shape, seed, data and steps; only the balancer differs. Data paths stay valid from outDir.
    const config = {
      ...base,
      name,
      training: { ...base.training, steps, warmup: Math.min(base.training.warmup, steps - 1) },
      data: { ...base.data, files: base.data.files.map((f) => resolve(dirname(baseFile), f)) },
      balancer: { ...base.balancer, methods },
    };
    const configFile = join(outDir, `${name}.moe.json`);
    writeFileSync(configFile, JSON.stringify(config, null, 2) + '\n');
    process.stderr.write(`compare: training ${label} for ${steps} steps → ${runDir}\n`);
    const args = [trainer, '--config', configFile, '--out', runDir, ...(values.backend ? ['--backend', values.backend] : [])];
    const result = spawnSync(process.execPath, args, { stdio: ['ignore', 'ignore', 'inherit'] });
    if (result.status === 2 || !existsSync(join(runDir, RUN_FILES.events))) fail(`the trainer refused ${configFile} (exit code ${result.status})`);
    rows.push(summarizeRun(label, readFileSync(join(runDir, RUN_FILES.events), 'utf8'), base.model.experts));
  }

  const table = compareTable(rows);
  const command = `npm run compare -- --steps ${steps} --balancers ${labels.join(',')} --config ${values.config}${values.backend ? ` --backend ${values.backend}` : ''}`;
  const shape = `${base.model.layers} layers, d ${base.model.dModel}, ${base.model.experts} experts top-${base.model.topK}, batch ${base.training.batchSize} × ${base.model.seqLen}, seed ${base.training.seed}`;
  const report = `# Balancer comparison\n\n\`${command}\`\n\n${shape}; ${steps} steps; final eval on the fixed validation sample.\n\n${table}`;
  writeFileSync(join(outDir, 'compare.md'), report);
  process.stdout.write(table);
  process.stderr.write(`compare: wrote ${join(outDir, 'compare.md')}\n`);
}

main();
