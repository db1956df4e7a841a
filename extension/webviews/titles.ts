/**
 * Dashboard panel titles: each run by name, start time and short id ("MoE Lens: tiny 14:03:12 #3fa2"),
 * so two dashboards of one config differ. VS Code restores a panel's title after a reload even when
 * the webview's saved state was not persisted in time, so the title must be enough to find the runs
 * again: the short ids do that.
 */
import { runStamp, shortRunId } from '../../protocol/runLabels';

export type DashboardMode = 'single' | 'compare';

const SINGLE = 'MoE Lens: ';
const COMPARE = 'Compare: ';
const SEPARATOR = ', ';

export interface TitledRun {
  id: string;
  name: string;
  startedAt?: string;
}

export function dashboardTitle(runs: TitledRun[], mode: DashboardMode): string {
  if (mode === 'single') return `${SINGLE}${runs[0].name} ${runStamp(runs[0])}`;
  return COMPARE + runs.map((run) => `${run.name} ${shortRunId(run.id)}`).join(SEPARATOR);
}

/** The mode and the runs' short ids of a title made by dashboardTitle; undefined for any other title. */
export function parseDashboardTitle(title: string): { mode: DashboardMode; shortIds: string[] } | undefined {
  const mode = title.startsWith(SINGLE) ? 'single' : title.startsWith(COMPARE) ? 'compare' : undefined;
  const shortIds = title.match(/#[0-9a-f]{4}\b/g) ?? [];
  return mode && shortIds.length ? { mode, shortIds } : undefined;
}
