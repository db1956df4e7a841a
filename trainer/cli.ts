/**
 * The trainer's command line (bundled to dist/trainer.js). Exit codes: 0 completed, stopped or
 * diverged (the event log says which); 1 the run failed; 2 bad input (nothing written).
 */
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { totalmem } from 'node:os';
import { BACKENDS, budgetExcess, RESOURCE_BUDGET, RunConfigError, type BackendName } from '../protocol/runConfig';
import packageJson from '../package.json';
import { BackendError, selectBackend } from './backend';
import { listAdapters } from './webgpu';
import { DataError, prepareDataset, type Dataset } from './data/dataset';
import { createMoeModel } from './model';
import type { MoeModel } from './model/api';
import { CheckpointError } from './model/checkpoint';
import { removeTemporaryCheckpoints } from './run/checkpoint';
import { RunLock } from './run/lock';
import { createRunFolder, planExistingRun, planNewRun, UsageError, writeRunConfig, type Overrides } from './run/plan';
import { StopSignal } from './run/stopSignal';
import { analyseRun, train, type RunPlan } from './run/train';

const HELP = `MoE Lens trainer ${packageJson.version}: trains a small Mixture-of-Experts language model.

Usage:
  node dist/trainer.js --config FILE.moe.json --out DIR [--steps N] [--backend NAME]
  node dist/trainer.js --resume DIR [--steps N] [--backend NAME]
  node dist/trainer.js --analyse DIR
  node dist/trainer.js --list-adapters

Options:
  --config FILE   run config (*.moe.json); data paths in it are relative to it
  --out DIR       run folder to create: events.jsonl, config.json, checkpoint/
  --steps N       train N steps in all (overrides training.steps)
  --backend NAME  ${BACKENDS.join(' | ')} (overrides backend)
  --resume DIR    continue a stopped run from its checkpoint, appending to its events.jsonl
  --analyse DIR   append the final analysis (drop-top-experts, Dynamic-K) of a run's checkpoint
  --list-adapters print the WebGPU adapters Dawn finds, as JSON {adapters, failure?}; exit 1 if none
  --help          show this help

Events go to DIR/events.jsonl and stdout (JSON Lines, docs/events.md); progress to stderr.
On SIGINT/SIGTERM the trainer finishes the step, checkpoints and ends with status "stopped".
Exit codes: 0 completed, stopped or diverged; 1 failed; 2 bad input.`;

interface Command {
  mode: 'new' | 'resume' | 'analyse';
  config?: string;
  out?: string;
  dir?: string;
  overrides: Overrides;
}

function parseCommandLine(argv: string[]): Command | 'help' | 'list-adapters' {
  let values;
  try {
    ({ values } = parseArgs({
      args: argv,
      strict: true,
      allowPositionals: false,
      options: {
        config: { type: 'string' },
        out: { type: 'string' },
        steps: { type: 'string' },
        backend: { type: 'string' },
        resume: { type: 'string' },
        analyse: { type: 'string' },
        help: { type: 'boolean' },
        'list-adapters': { type: 'boolean' },
      },
    }));
  } catch (error) {
    throw new UsageError(`trainer: ${(error as Error).message} (see --help)`);
  }
  if (values.help) return 'help';
  if (values['list-adapters']) return 'list-adapters';
  const overrides: Overrides = {};
  if (values.steps !== undefined) {
    const steps = Number(values.steps);
    if (!/^\d+$/.test(values.steps) || !Number.isSafeInteger(steps) || steps < 1) {
      throw new UsageError(`trainer: --steps: expected a positive integer, got ${JSON.stringify(values.steps)}`);
    }
    overrides.steps = steps;
  }
  if (values.backend !== undefined) {
    if (!BACKENDS.includes(values.backend as BackendName)) {
      throw new UsageError(
        `trainer: --backend: expected one of ${BACKENDS.join(', ')}, got ${JSON.stringify(values.backend)}`,
      );
    }
    overrides.backend = values.backend as BackendName;
  }
  const modes = [
    values.config !== undefined && '--config',
    values.resume !== undefined && '--resume',
    values.analyse !== undefined && '--analyse',
  ].filter(Boolean);
  if (modes.length !== 1) {
    throw new UsageError(
      `trainer: expected exactly one of --config, --resume or --analyse, got ${modes.length ? modes.join(' and ') : 'none'} (see --help)`,
    );
  }
  if (values.resume !== undefined || values.analyse !== undefined) {
    if (values.out !== undefined)
      throw new UsageError('trainer: --out goes with --config; --resume and --analyse use the run folder they name');
    return {
      mode: values.resume !== undefined ? 'resume' : 'analyse',
      dir: values.resume ?? values.analyse,
      overrides,
    };
  }
  if (values.out === undefined) throw new UsageError('trainer: --out DIR is required with --config (see --help)');
  return { mode: 'new', config: values.config, out: values.out, overrides };
}

/** Data problems (too little text for seqLen) are config problems of the run's config file. */
function loadData(plan: RunPlan): Dataset {
  try {
    return prepareDataset(plan.config, plan.files);
  } catch (error) {
    if (error instanceof DataError)
      throw new RunConfigError(plan.configFile, [{ path: error.path, message: error.message }]);
    throw error;
  }
}

/**
 * Builds the model, and for a resumed or analysed run loads its checkpoint: a checkpoint that does
 * not fit (truncated, another shape) is refused here, before anything of the run is touched.
 */
async function buildModel(plan: RunPlan, data: Dataset): Promise<MoeModel> {
  const model = await createMoeModel(plan.config, data.tokenizer.vocabSize);
  if (!plan.resume) return model;
  try {
    await model.load(plan.resume.checkpointDir);
    return model;
  } catch (error) {
    model.dispose();
    if (error instanceof CheckpointError) {
      throw new UsageError(
        `${plan.runDir}: cannot continue from ${plan.resume.checkpointDir}: ${error.message}; nothing was changed`,
      );
    }
    throw error;
  }
}

/** With training.allowLargeConfig a config over the budget trains, with a warning; this machine's RAM is a budget too. */
function checkMachineBudget(plan: RunPlan): void {
  const machine = {
    memoryBytes: Math.min(RESOURCE_BUDGET.memoryBytes, totalmem() * 0.8),
    stepFlops: RESOURCE_BUDGET.stepFlops,
  };
  const over = budgetExcess(plan.config, machine);
  if (!over) return;
  if (!plan.config.training.allowLargeConfig) {
    throw new RunConfigError(plan.configFile, [
      {
        path: '$.model',
        message: `${over} (this machine has ${(totalmem() / 1024 ** 3).toFixed(1)} GiB); make the model or the batch smaller, or set training.allowLargeConfig to true to try anyway`,
      },
    ]);
  }
  process.stderr.write(`warning: ${over}; training anyway (training.allowLargeConfig)\n`);
}

async function main(argv: string[]): Promise<number> {
  const command = parseCommandLine(argv);
  if (command === 'help') {
    process.stdout.write(HELP + '\n');
    return 0;
  }
  if (command === 'list-adapters') {
    const found = await listAdapters();
    process.stdout.write(JSON.stringify(found) + '\n');
    return found.adapters.length > 0 ? 0 : 1;
  }
  // Installed first, so a stop while the data is prepared still ends the run cleanly ("stopped" at its start step).
  const stop = new StopSignal();
  const planRun = () =>
    command.mode === 'new'
      ? planNewRun(command.config!, command.out!, command.overrides)
      : planExistingRun(command.dir!, command.overrides, command.mode);
  let plan = planRun();
  checkMachineBudget(plan);
  const backend = await selectBackend(plan.config.backend);
  const data = loadData(plan);
  if (plan.resume && plan.resume.state.dataHash !== data.hash) {
    throw new UsageError(
      `${plan.runDir}: the training data or tokenizer differs from the one this run started with (data files changed?); start a new run instead`,
    );
  }
  if (command.mode === 'new') {
    createRunFolder(plan.runDir);
  }
  // From here on this trainer is the only writer of the run folder until it exits.
  const lock = RunLock.acquire(plan.runDir);
  try {
    plan = planRun(); // again, now that the folder is ours: another trainer may have written it meanwhile
    removeTemporaryCheckpoints(plan.runDir);
    const model = await buildModel(plan, data);
    if (command.mode === 'analyse') {
      await analyseRun(plan, data, model);
      return 0;
    }
    writeRunConfig(plan.runDir, plan.config);
    return await train(
      plan,
      data,
      backend,
      model,
      { trainer: packageJson.version, tfjs: tf.version.tfjs, node: process.version },
      stop,
    );
  } finally {
    lock.release();
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    if (error instanceof RunConfigError || error instanceof UsageError || error instanceof BackendError) {
      process.stderr.write(`${error.message}\n`);
      process.exitCode = 2;
    } else {
      process.stderr.write(`trainer: ${(error as Error).stack ?? String(error)}\n`);
      process.exitCode = 1;
    }
  },
);
