/**
 * Run folders: their names, and the files the extension itself keeps in them (the trainer's are
 * RUN_FILES in protocol/events.ts). No 'vscode' import.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';

export const EXTENSION_RUN_FILES = {
  /** the user's config with the chosen balancer and absolute data paths: the trainer's --config */
  source: 'source.moe.json',
  /** { "configFile": "<absolute path of the *.moe.json the run was started from>" } */
  origin: 'origin.json',
} as const;

export interface RunOrigin {
  configFile: string;
}

const pad = (n: number) => String(n).padStart(2, '0');

/** Local time as YYYYMMDD-HHMMSS. */
export function folderTimestamp(date: Date): string {
  return (
    `${date.getFullYear()}${pad(date.getMonth() + 1)}${pad(date.getDate())}-` +
    `${pad(date.getHours())}${pad(date.getMinutes())}${pad(date.getSeconds())}`
  );
}

/** Keeps a name usable as one path segment on every OS. */
export function safeSegment(text: string): string {
  const cleaned = text.replace(/[^A-Za-z0-9._+-]+/g, '-').replace(/^[.-]+|-+$/g, '');
  return cleaned || 'run';
}

/** "<name>-<balancer>-<YYYYMMDD-HHMMSS>", e.g. "tiny-loss-free+simbal-20261123-180509". */
export function runFolderName(name: string, balancer: string, date: Date): string {
  return `${safeSegment(name)}-${safeSegment(balancer)}-${folderTimestamp(date)}`;
}

/** A folder name in runsDir not taken yet: the name itself, else "<name>-2", "<name>-3", … */
export function freeFolderName(runsDir: string, name: string): string {
  let candidate = name;
  for (let n = 2; existsSync(join(runsDir, candidate)); n++) candidate = `${name}-${n}`;
  return candidate;
}
