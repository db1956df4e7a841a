/**
 * What tells runs of one config apart: when they started and a short id. Used by the Runs tree, the
 * status bar and the dashboard tab titles. No 'vscode' import: unit-tested under plain node.
 */

/** The start time in a run folder's name ("…-20261123-180509", optionally "-2"), as a local Date. */
function folderStart(runId: string): Date | undefined {
  const match = /-(\d{4})(\d{2})(\d{2})-(\d{2})(\d{2})(\d{2})(?:-\d+)?$/.exec(runId);
  if (!match) return undefined;
  const [year, month, day, hour, minute, second] = match.slice(1).map(Number);
  return new Date(year, month - 1, day, hour, minute, second);
}

/**
 * When the run started: the time in its folder name (when Start Run was pressed; known while it is
 * queued, and it does not change when the trainer starts), else its log's first start event.
 */
export function runStart(run: { id: string; startedAt?: string }): Date | undefined {
  const fromLog = run.startedAt ? new Date(run.startedAt) : undefined;
  return folderStart(run.id) ?? (fromLog && !Number.isNaN(fromLog.getTime()) ? fromLog : undefined);
}

const pad = (n: number) => String(n).padStart(2, '0');
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** "14:03:12" today, "Nov 23 14:03" on another day, "" when unknown. */
export function startLabel(start: Date | undefined, now = new Date()): string {
  if (!start) return '';
  const time = `${pad(start.getHours())}:${pad(start.getMinutes())}`;
  const sameDay = start.toDateString() === now.toDateString();
  return sameDay ? `${time}:${pad(start.getSeconds())}` : `${MONTHS[start.getMonth()]} ${start.getDate()} ${time}`;
}

/** Four hex digits derived from the run folder name (FNV-1a), like a short commit hash: "#3fa2". */
export function shortRunId(runId: string): string {
  let hash = 0x811c9dc5;
  for (let i = 0; i < runId.length; i++) {
    hash ^= runId.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return `#${(hash & 0xffff).toString(16).padStart(4, '0')}`;
}

/** "14:03:12 #3fa2": start time and short id, what the tree, tooltip and tab title show. */
export function runStamp(run: { id: string; startedAt?: string }, now = new Date()): string {
  return [startLabel(runStart(run), now), shortRunId(run.id)].filter(Boolean).join(' ');
}
