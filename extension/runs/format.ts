/**
 * The texts a run is shown with (tree item, tooltip, status bar, CodeLens): one place, so every
 * view says the same thing. No 'vscode' import: unit-tested under plain node.
 */
import type { RunInfo } from './types';

/** 75 → "1:15", 3725 → "1:02:05". */
export function formatDuration(seconds: number): string {
  const total = Math.max(0, Math.round(seconds));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** 12345.6 → "12,346". */
export function formatCount(value: number): string {
  return Math.round(value).toLocaleString('en-US');
}

const fixed = (value: number | undefined, digits: number) => (value === undefined ? '–' : value.toFixed(digits));

export function stepText(run: Pick<RunInfo, 'step' | 'totalSteps'>): string {
  return `${run.step}/${run.totalSteps || '?'}`;
}

/** Tree item description: "loss-free · 120/300 · running". */
export function runDescription(run: RunInfo): string {
  return `${run.balancer} · ${stepText(run)} · ${run.status}`;
}

/** Escapes markdown syntax in text that comes from a run (names, reasons). */
export function escapeMarkdown(text: string): string {
  return text.replace(/[\\`*_{}[\]()<>#+!|~-]/g, '\\$&');
}

/** Tree item tooltip (markdown; lines end with two spaces: a line break). */
export function runTooltipMarkdown(run: RunInfo): string {
  const lines = [
    `**${escapeMarkdown(run.name)}** · ${escapeMarkdown(run.balancer)}`,
    `Status: ${run.status}${run.reason ? ` (${escapeMarkdown(run.reason)})` : ''}`,
    `Step: ${stepText(run)}`,
    `Last val loss: ${fixed(run.lastValLoss, 4)}`,
    `MaxVio: ${fixed(run.lastMaxVio, 3)}`,
    `Tokens/s: ${run.tokensPerSecond === undefined ? '–' : formatCount(run.tokensPerSecond)}`,
  ];
  if (run.backend) lines.push(`Backend: ${escapeMarkdown(run.backend)}`);
  if (run.status === 'running' && run.etaSeconds !== undefined) lines.push(`ETA: ${formatDuration(run.etaSeconds)}`);
  return lines.join('  \n');
}

/** Status bar while a run trains: "$(loading~spin) MoE tiny 120/300 · 2,048 tok/s · ETA 1:15". */
export function statusBarText(run: RunInfo): string {
  const parts = [`$(loading~spin) MoE ${run.name} ${stepText(run)}`];
  if (run.tokensPerSecond !== undefined) parts.push(`${formatCount(run.tokensPerSecond)} tok/s`);
  if (run.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(run.etaSeconds)}`);
  return parts.join(' · ');
}

/** CodeLens over a config that has runs: "last run: step 300 · val 2.412 · MaxVio 0.35" ("last run (running): …"). */
export function lastRunLensTitle(run: RunInfo): string {
  const status = run.status === 'completed' ? '' : ` (${run.status})`;
  return `last run${status}: step ${run.step} · val ${fixed(run.lastValLoss, 3)} · MaxVio ${fixed(run.lastMaxVio, 2)}`;
}
