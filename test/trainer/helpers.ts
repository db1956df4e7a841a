/** Spawning the real built trainer (dist/trainer.js) on tiny configs, and reading its event log. */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseEventLine, type TrainerEvent } from '../../protocol/events';

export const TRAINER = resolve('dist/trainer.js');
export const TINY = resolve('examples/tiny.moe.json');

export interface Result {
  code: number | null;
  stdout: string;
  stderr: string;
}

export function tempDir(prefix: string): string {
  return mkdtempSync(join(tmpdir(), `moe-lens-${prefix}-`));
}

type Json = Record<string, unknown>;
/** tiny.moe.json with sections merged over it, written to dir/name. */
export function writeTinyConfig(dir: string, name: string, changes: Record<string, Json | string>): string {
  const config = JSON.parse(readFileSync(TINY, 'utf8')) as Record<string, unknown>;
  delete config.$schema;
  for (const [key, value] of Object.entries(changes)) {
    config[key] = typeof value === 'object' ? { ...(config[key] as Json), ...value } : value;
  }
  const file = join(dir, name);
  writeFileSync(file, JSON.stringify(config, null, 2));
  return file;
}

export function runTrainer(args: string[], env: NodeJS.ProcessEnv = {}): Result {
  const result = spawnSync(process.execPath, [TRAINER, ...args], { encoding: 'utf8', env: { ...process.env, ...env } });
  return { code: result.status, stdout: result.stdout, stderr: result.stderr };
}

/** Starts the trainer and sends `signal` once the first step event appears on stdout. */
export function runAndSignalAfterFirstStep(args: string[], signal: NodeJS.Signals): Promise<Result> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [TRAINER, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let signalled = false;
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      stdout += chunk;
      if (!signalled && stdout.includes('"type":"step"')) {
        signalled = true;
        child.kill(signal);
      }
    });
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code, stdout, stderr }));
  });
}

export function readEvents(runDir: string): TrainerEvent[] {
  return readFileSync(join(runDir, 'events.jsonl'), 'utf8')
    .split('\n')
    .map((line) => parseEventLine(line))
    .filter((e): e is TrainerEvent => e !== undefined);
}

export function ofType<T extends TrainerEvent['type']>(
  events: TrainerEvent[],
  type: T,
): Extract<TrainerEvent, { type: T }>[] {
  return events.filter((e): e is Extract<TrainerEvent, { type: T }> => e.type === type);
}
