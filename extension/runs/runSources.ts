/**
 * Where a run's events come from, a RunEventReader: its events.jsonl (tailed), or a Megatron-LM output
 * folder (converted).
 * Which folders are runs, and which subfolders of a runs root are. No 'vscode' import.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { RUN_FILES } from '../../protocol/events';
import { EventLogTail, type EventLogMark, type TailRead } from './eventLogTail';
import { isMegatronFolder, MegatronSource, quietSecondsOf } from './megatronSource';

export type RunFolderKind = 'events' | 'megatron';

export interface RunEventReader {
  readonly kind: RunFolderKind;
  /** the file "Show Trainer Log" falls back to: the event log, or a Megatron rank file */
  readonly file: string;
  /** events appended since the last read; final: the run is quiet, so nothing more is coming soon */
  read(final?: boolean): Promise<TailRead>;
  restart(): void;
  /** seconds since the source's files were last written */
  quietSeconds(now?: number): number;
  /** event logs only: where the reader stands, for a later window to resume from (summaryCache.ts) */
  mark?(): EventLogMark | undefined;
  resume?(mark: EventLogMark): Promise<boolean>;
}

/** 'events' for a folder with events.jsonl, 'megatron' for Megatron-LM routing files, else undefined. */
export function runFolderKind(folder: string): RunFolderKind | undefined {
  if (existsSync(join(folder, RUN_FILES.events))) return 'events';
  return isMegatronFolder(folder) ? 'megatron' : undefined;
}

/** The subfolders of `root` that are runs (none when root is missing). */
export function runsIn(root: string): string[] {
  let names: string[];
  try {
    names = readdirSync(root);
  } catch {
    return [];
  }
  return names.filter((name) => {
    const folder = join(root, name);
    try {
      return statSync(folder).isDirectory() && runFolderKind(folder) !== undefined;
    } catch {
      return false;
    }
  });
}

class EventLogSource extends EventLogTail implements RunEventReader {
  readonly kind = 'events' as const;

  override read(): Promise<TailRead> {
    return super.read();
  }

  quietSeconds(now = Date.now()): number {
    return quietSecondsOf([this.file], now);
  }
}

export function runEventReader(folder: string, kind: RunFolderKind): RunEventReader {
  if (kind === 'megatron') return new MegatronSource(folder);
  return new EventLogSource(join(folder, RUN_FILES.events));
}
