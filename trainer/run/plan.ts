/**
 * Turns the command line into a RunPlan, checking everything a user can get wrong before anything is
 * written: config file, overrides, data files, the output or resume folder. Problems are UsageErrors
 * or RunConfigErrors (exit code 2, one line per problem).
 */
import { lstatSync, mkdirSync, readdirSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { describeFileKind, FileRefusedError, readRegularTextFileSync } from '../../nodeio/regularFile';
import { RUN_FILES } from '../../protocol/events';
import { parseRunConfig, resolveRunConfig, type BackendName, type RunConfig } from '../../protocol/runConfig';
import { resolveDataFiles } from '../data/corpus';
import { findCheckpoint, readResumeState } from './checkpoint';
import { LOCK_FILE } from './lock';
import type { RunPlan } from './train';
import { UsageError } from './usageError';

export { UsageError };

export interface Overrides {
  steps?: number;
  backend?: BackendName;
}

/** A run config is a few KB; anything near this is not one (e.g. --config /dev/zero or a log). */
export const MAX_CONFIG_BYTES = 1024 * 1024;

/**
 * What a launcher may put in a new run folder before the trainer starts (the extension's copy of
 * the user's config, where it came from, the trainer's stderr): the trainer writes none of these.
 */
const LAUNCHER_FILES = ['source.moe.json', 'origin.json', RUN_FILES.log, LOCK_FILE];

function readText(file: string, what: string): string {
  try {
    return readRegularTextFileSync(file, what, MAX_CONFIG_BYTES);
  } catch (error) {
    if (error instanceof FileRefusedError) throw new UsageError(error.message);
    throw error;
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

/**
 * --out must name a new folder, an empty one, or one holding only what a launcher prepared: the
 * trainer never overwrites or deletes anything it did not write.
 */
function checkOutFolder(outDir: string, runDir: string): void {
  let entries: string[];
  try {
    const stats = lstatSync(runDir);
    if (!stats.isDirectory()) {
      throw new UsageError(`--out ${outDir}: is ${describeFileKind(stats)}, not a folder; choose a new folder`);
    }
    entries = readdirSync(runDir);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return;
    if (code === 'ENOTDIR') throw new UsageError(`--out ${outDir}: a part of the path is a file, not a folder`);
    throw new UsageError(`--out ${outDir}: ${(error as Error).message}`);
  }
  if (entries.includes(RUN_FILES.events)) {
    throw new UsageError(
      `--out ${outDir}: already holds a run (${RUN_FILES.events}); continue it with --resume ${outDir}, or choose another --out`,
    );
  }
  const foreign = entries.filter((name) => !LAUNCHER_FILES.includes(name)).sort();
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, … (${foreign.length} in all)` : '');
    throw new UsageError(
      `--out ${outDir}: the folder exists and is not empty (${shown}); the trainer writes only into a new or empty folder, so nothing in it is overwritten`,
    );
  }
}

/**
 * Creates the run folder one level at a time below its nearest existing ancestor, which must be a
 * writable folder (a recursive mkdir under /proc, say, never returns).
 */
export function createRunFolder(runDir: string): void {
  const missing: string[] = [];
  let dir = runDir;
  for (;;) {
    let stats;
    try {
      stats = statSync(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
        throw new UsageError(`--out ${runDir}: ${(error as Error).message}`);
      missing.unshift(dir);
      const parent = dirname(dir);
      if (parent === dir) throw new UsageError(`--out ${runDir}: no part of the path exists`);
      dir = parent;
      continue;
    }
    if (!stats.isDirectory()) throw new UsageError(`--out ${runDir}: ${dir} is a file, not a folder`);
    break;
  }
  for (const folder of missing) {
    try {
      mkdirSync(folder);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'EEXIST') continue;
      throw new UsageError(`--out ${runDir}: cannot create ${folder}: ${(error as Error).message}`);
    }
  }
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
  checkOutFolder(outDir, runDir);
  return { runDir, config, configFile, files, notes };
}

/** An existing run folder, for `--resume DIR` or `--analyse DIR`: its config.json and newest checkpoint. */
export function planExistingRun(dir: string, overrides: Overrides, purpose: 'resume' | 'analyse'): RunPlan {
  const runDir = resolve(dir);
  const configFile = join(runDir, RUN_FILES.config);
  try {
    if (!statSync(runDir).isDirectory()) throw new UsageError(`${dir}: not a run folder (a file, not a folder)`);
  } catch (error) {
    if (error instanceof UsageError) throw error;
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT')
      throw new UsageError(`${dir}: not a run folder (${(error as Error).message})`);
  }
  try {
    statSync(configFile);
  } catch {
    throw new UsageError(`${dir}: not a run folder (no ${RUN_FILES.config})`);
  }
  const notes: string[] = [];
  const config = applyOverrides(
    parseRunConfig(readText(configFile, 'run config'), configFile),
    overrides,
    configFile,
    notes,
  );
  const checkpointDir = findCheckpoint(runDir);
  if (!checkpointDir)
    throw new UsageError(`${dir}: no checkpoint to ${purpose} (${RUN_FILES.checkpoint}/state.json is missing)`);
  const state = readResumeState(checkpointDir);
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
