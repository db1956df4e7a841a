/**
 * Turns the command line into a RunPlan, checking everything a user can get wrong before anything is
 * written: config file, overrides, data files, the output or resume folder. Problems are UsageErrors
 * or RunConfigErrors (exit code 2, one line per problem).
 */
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { RUN_FILES } from '../../protocol/events';
import { parseRunConfig, resolveRunConfig, type BackendName, type RunConfig } from '../../protocol/runConfig';
import { resolveDataFiles } from '../data/corpus';
import { findCheckpoint, readState } from './checkpoint';
import type { RunPlan } from './train';

/** A mistake on the command line or in the files it names: exit code 2, the message as is. */
export class UsageError extends Error {
  override name = 'UsageError';
}

export interface Overrides {
  steps?: number;
  backend?: BackendName;
}

function readText(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    throw new UsageError(`${file}: cannot read the ${what}${code === 'ENOENT' ? ': no such file' : `: ${(error as Error).message}`}`);
  }
}

/**
 * Applies --steps/--backend and validates again, so cross-field checks still hold. A --steps that is
 * not more than the config's warmup would be refused by them; a user shortening a run expects it to
 * train, so the warmup is scaled with the run (the same fraction of it) and a note says so.
 */
function applyOverrides(config: RunConfig, overrides: Overrides, file: string, notes: string[]): RunConfig {
  if (overrides.steps === undefined && overrides.backend === undefined) return config;
  const steps = overrides.steps ?? config.training.steps;
  let warmup = config.training.warmup;
  if (overrides.steps !== undefined && warmup >= steps && steps > 1) {
    warmup = Math.min(steps - 1, Math.round((config.training.warmup * steps) / config.training.steps));
    notes.push(
      `--steps ${steps} is not more than the config's warmup (${config.training.warmup} of ${config.training.steps} steps): ` +
        `warmup scaled to ${warmup} step${warmup === 1 ? '' : 's'}`,
    );
  }
  return resolveRunConfig(
    {
      ...config,
      backend: overrides.backend ?? config.backend,
      training: { ...config.training, steps, warmup },
    },
    file,
  );
}

/** A new run: `--config FILE --out DIR`. Data paths become absolute so the run folder stands alone. */
export function planNewRun(configFile: string, outDir: string, overrides: Overrides): RunPlan {
  const file = resolve(configFile);
  const parsed = parseRunConfig(readText(file, 'run config'), configFile);
  const notes: string[] = [];
  const config = applyOverrides(parsed, overrides, configFile, notes);
  const baseDir = dirname(file);
  const files = resolveDataFiles(config.data.files, baseDir, configFile);
  config.data.files = config.data.files.map((pattern) => resolve(baseDir, pattern));
  const runDir = resolve(outDir);
  if (existsSync(join(runDir, RUN_FILES.events))) {
    throw new UsageError(`${outDir}: already holds a run (${RUN_FILES.events}); continue it with --resume ${outDir}, or choose another --out`);
  }
  return { runDir, config, configFile, files, notes };
}

/** An existing run folder, for `--resume DIR` or `--analyse DIR`: its config.json and newest checkpoint. */
export function planExistingRun(dir: string, overrides: Overrides, purpose: 'resume' | 'analyse'): RunPlan {
  const runDir = resolve(dir);
  const configFile = join(runDir, RUN_FILES.config);
  if (!existsSync(configFile)) throw new UsageError(`${dir}: not a run folder (no ${RUN_FILES.config})`);
  const notes: string[] = [];
  const config = applyOverrides(parseRunConfig(readText(configFile, 'run config'), configFile), overrides, configFile, notes);
  const checkpointDir = findCheckpoint(runDir);
  if (!checkpointDir) throw new UsageError(`${dir}: no checkpoint to ${purpose} (${RUN_FILES.checkpoint}/state.json is missing)`);
  let state;
  try {
    state = readState(checkpointDir);
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
  if (purpose === 'resume' && state.step >= config.training.steps) {
    throw new UsageError(
      `${dir}: the run has already trained ${state.step} of ${config.training.steps} steps; pass --steps N with N > ${state.step} to train further`,
    );
  }
  const files = resolveDataFiles(config.data.files, runDir, configFile);
  return { runDir, config, configFile, files, notes, resume: { checkpointDir, state } };
}

/** Writes `<run>/config.json` atomically (a resumed run with new --steps rewrites it). */
export function writeRunConfig(runDir: string, config: RunConfig): void {
  const file = join(runDir, RUN_FILES.config);
  const temp = `${file}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(config, null, 2) + '\n');
  renameSync(temp, file);
}
