/** Test workspaces (examples/ plus test configs), the run folders in them, the repo and code-server. */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { parseEventLine, RUN_FILES, type TrainerEvent } from '../../../protocol/events';
import type * as CodeServerModule from '../../../scripts/code-server.mjs';

/** The bundled test lives in out/test/e2e/; the repo root is three folders up. */
export const repoRoot = resolve(__dirname, '../../..');
export const resultsDir = join(repoRoot, 'test-results');

/** Loaded at run time rather than bundled: the module finds the repo through import.meta.url. */
export function codeServerModule(): Promise<typeof CodeServerModule> {
  return import(pathToFileURL(join(repoRoot, 'scripts/code-server.mjs')).href);
}

/** Installs what the tests need when it is missing (system packages as root, code-server into .cache/). */
export async function ensureVsCodeInstalled(): Promise<void> {
  const { ensureAptPrerequisites, ensureCodeServer } = await codeServerModule();
  ensureAptPrerequisites();
  ensureCodeServer();
}

/** A fresh workspace folder: a copy of examples/ plus `files` (relative path -> content). */
export async function makeWorkspace(name: string, files: Record<string, string> = {}): Promise<string> {
  const { copyExamplesWorkspace } = await codeServerModule();
  const folder = join(mkdtempSync(join(tmpdir(), `moe-lens-e2e-${name}-`)), 'workspace');
  copyExamplesWorkspace(folder);
  for (const [path, content] of Object.entries(files)) {
    mkdirSync(join(folder, path, '..'), { recursive: true });
    writeFileSync(join(folder, path), content);
  }
  return folder;
}

type ConfigPatch = {
  model?: Record<string, unknown>;
  training?: Record<string, unknown>;
  balancer?: Record<string, unknown>;
};

/** examples/tiny.moe.json (the config the examples keep for tests) renamed and with `patch` applied. */
export function tinyVariant(name: string, patch: ConfigPatch = {}): string {
  const tiny = JSON.parse(readFileSync(join(repoRoot, 'examples', 'tiny.moe.json'), 'utf8')) as Record<
    string,
    Record<string, unknown>
  >;
  // $schema is relative to examples/; the extension's jsonValidation covers *.moe.json anyway.
  const { $schema: _schema, ...rest } = tiny;
  const config: Record<string, unknown> = { ...rest, name };
  for (const [section, values] of Object.entries(patch)) config[section] = { ...tiny[section], ...values };
  return JSON.stringify(config, null, 2) + '\n';
}

/** Whether process `pid` still runs (a zombie, dead but not yet reaped, does not). */
export function processRuns(pid: number): boolean {
  try {
    return !readFileSync(`/proc/${pid}/stat`, 'utf8').includes(') Z ');
  } catch {
    return false;
  }
}

/** Trains `config` (a workspace file) with the real trainer outside VS Code into .moe-runs/<runFolder>. */
export function trainOutsideVsCode(workspace: string, config: string, runFolder: string): void {
  const args = [
    join(repoRoot, 'dist', 'trainer.js'),
    '--config',
    join(workspace, config),
    '--out',
    join(workspace, '.moe-runs', runFolder),
  ];
  execFileSync(process.execPath, args, { stdio: 'ignore', timeout: 120_000 });
}

/** The run folders in the workspace's runs directory (.moe-runs). */
export function runFolders(workspace: string): string[] {
  const dir = join(workspace, '.moe-runs');
  return existsSync(dir) ? readdirSync(dir).filter((name) => statSync(join(dir, name)).isDirectory()) : [];
}

/** The events a run's trainer wrote so far (events.jsonl). */
export function runEvents(workspace: string, runFolder: string): TrainerEvent[] {
  const file = join(workspace, '.moe-runs', runFolder, RUN_FILES.events);
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop(); // '' after the last newline, or a line the trainer is still writing
  return lines.map(parseEventLine).filter((event): event is TrainerEvent => event !== undefined);
}
