/**
 * Summaries of run logs kept across windows (in the workspace's state), so that a reopened window lists
 * a long finished run at once instead of reading its whole log again (seconds for a 500 MB log): an
 * entry is a run's RunSummary with the reader's mark after the log was read, under the log's path. A
 * later window resumes its reader at the mark when the log is still the file marked (LineTail.resume)
 * and reads only what was appended since. No 'vscode' import.
 */
import { createRunSummary, type RunSummary } from '../../protocol/runModel/runState';
import type { EventLogMark } from './eventLogTail';

/** The part of vscode.Memento used here. */
export interface KeyValueStore {
  keys(): readonly string[];
  get<T>(key: string): T | undefined;
  update(key: string, value: unknown): Thenable<void>;
}

export interface SavedSummary {
  mark: EventLogMark;
  summary: RunSummary;
  /** the run's log problems counted up to the mark */
  logProblems?: { count: number; first: string };
  /** epoch ms: the oldest entries go first when there are too many */
  savedAt: number;
}

/** Bump the version when RunSummary or the marks change meaning: older entries are then ignored. */
const KEY_PREFIX = 'moeLens.logSummary.v1:';
export const MAX_SAVED_SUMMARIES = 100;

export class SummaryCache {
  constructor(private readonly store: KeyValueStore) {}

  /** The summary saved for a log, if there is one of this version's form. */
  get(logFile: string): SavedSummary | undefined {
    const saved = this.store.get<unknown>(KEY_PREFIX + logFile);
    return isSavedSummary(saved) ? structuredClone(saved) : undefined; // a copy: the run's state goes on changing
  }

  /** Saves a copy (the run's state goes on changing); not saved when JSON cannot carry it (Infinity, NaN). */
  async save(logFile: string, entry: Omit<SavedSummary, 'savedAt'>, now = Date.now()): Promise<void> {
    if (!isFiniteJson(entry)) return;
    const copy = JSON.parse(JSON.stringify({ ...entry, savedAt: now })) as SavedSummary;
    await this.store.update(KEY_PREFIX + logFile, copy);
    await this.prune();
  }

  private async prune(): Promise<void> {
    const keys = this.store.keys().filter((key) => key.startsWith(KEY_PREFIX));
    if (keys.length <= MAX_SAVED_SUMMARIES) return;
    const age = (key: string) => this.store.get<Partial<SavedSummary>>(key)?.savedAt ?? 0;
    const oldestFirst = [...keys].sort((a, b) => age(a) - age(b));
    for (const key of oldestFirst.slice(0, keys.length - MAX_SAVED_SUMMARIES)) await this.store.update(key, undefined);
  }
}

/** Numbers all finite, so the JSON round trip gives the value back (undefined fields are dropped, as absent). */
function isFiniteJson(value: unknown): boolean {
  if (typeof value === 'number') return Number.isFinite(value);
  if (typeof value !== 'object' || value === null) return true;
  return Object.values(value).every(isFiniteJson);
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null;

/** Written by this code only; checked enough that an entry of another form is ignored, never used. */
function isSavedSummary(value: unknown): value is SavedSummary {
  if (!isObject(value) || !isObject(value.mark) || !isObject(value.summary)) return false;
  const { lines, checker } = value.mark;
  if (!isObject(lines) || !isObject(lines.position) || !isObject(checker)) return false;
  const numbers = [lines.position.offset, lines.position.lineNumber, lines.dev, lines.ino, checker.lastStep];
  if (!numbers.every((n) => typeof n === 'number') || typeof lines.head !== 'string') return false;
  // every field a new summary has, of the same type
  const summary = value.summary;
  return Object.entries(createRunSummary()).every(
    ([key, fresh]) => Array.isArray(fresh) === Array.isArray(summary[key]) && typeof fresh === typeof summary[key],
  );
}
