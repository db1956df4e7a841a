/**
 * Start-up marks on the page's performance timeline (`performance.getEntriesByType('mark')`), each
 * made once: where a dashboard's first second goes, read by the speed bench in a real VS Code
 * (test/e2e/bench/). Names: `moeLens:script` (bundle evaluated), `moeLens:ready` (ready posted),
 * `moeLens:snapshot` (first snapshot received), `moeLens:drawn` (first run drawn),
 * `moeLens:firstLoss` (first loss point drawn).
 */
const made = new Set<string>();

export function markOnce(name: 'script' | 'ready' | 'snapshot' | 'drawn' | 'firstLoss'): void {
  if (made.has(name)) return;
  made.add(name);
  performance.mark(`moeLens:${name}`);
}
