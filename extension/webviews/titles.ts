/**
 * Dashboard panel titles. VS Code restores a panel's title after a reload even when the webview's
 * saved state was not persisted in time, so the title must be enough to find the runs again.
 */
export type DashboardMode = 'single' | 'compare';

const SINGLE = 'MoE Lens: ';
const COMPARE = 'Compare: ';
const SEPARATOR = ', ';

export function dashboardTitle(names: string[], mode: DashboardMode): string {
  return mode === 'compare' ? COMPARE + names.join(SEPARATOR) : SINGLE + names[0];
}

/** The mode and run names of a title made by dashboardTitle; undefined for any other title. */
export function parseDashboardTitle(title: string): { mode: DashboardMode; names: string[] } | undefined {
  if (title.startsWith(SINGLE) && title.length > SINGLE.length) return { mode: 'single', names: [title.slice(SINGLE.length)] };
  if (title.startsWith(COMPARE) && title.length > COMPARE.length) return { mode: 'compare', names: title.slice(COMPARE.length).split(SEPARATOR) };
  return undefined;
}
