/**
 * The texts a run is shown with (tree item, tooltip, status bar, CodeLens): one place, so every
 * view says the same thing. No 'vscode' import: unit-tested under plain node.
 */
import { formatCount, formatDuration } from '../../protocol/runModel/format';
import type { RunInfo } from './types';

const fixed = (value: number | undefined, digits: number) => (value === undefined ? '–' : value.toFixed(digits));

export function stepText(run: Pick<RunInfo, 'step' | 'totalSteps'>): string {
  return `${run.step}/${run.totalSteps || '?'}`;
}

/** Tree item description: "loss-free · 120/300 · running" ("… · reading log…" while its log's first read runs). */
export function runDescription(run: RunInfo): string {
  return `${run.balancer} · ${stepText(run)} · ${run.status}${run.readingLog ? ' · reading log…' : ''}`;
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
  if (run.readingLog) lines.push('Log: reading… (status and step so far; complete when the read ends)');
  if (run.logProblems) {
    const count = run.logProblems.count === 1 ? '1 line' : `${run.logProblems.count} lines`;
    lines.push(
      `Log: ${count} skipped as not valid events (first: ${escapeMarkdown(run.logProblems.first)}); see the MoE Lens output`,
    );
  }
  return lines.join('  \n');
}

/** Status bar while a run trains: "$(loading~spin) MoE tiny 120/300 · 2,048 tok/s · ETA 1:15". */
export function statusBarText(run: RunInfo): string {
  const parts = [`$(loading~spin) MoE ${run.name} ${stepText(run)}`];
  if (run.tokensPerSecond !== undefined) parts.push(`${formatCount(run.tokensPerSecond)} tok/s`);
  if (run.etaSeconds !== undefined) parts.push(`ETA ${formatDuration(run.etaSeconds)}`);
  return parts.join(' · ');
}

/**
 * CodeLens over a config that has runs: "last run: step 300 · val 2.412 · MaxVio 0.35", "last run (stopped): …".
 * A run still going has no figures there: VS Code refreshes CodeLens only once its provider is quiet for a
 * while, which a training run never is, so they would be old (seen: step 130 of 4,906); the status bar and
 * the Runs tree show them live.
 */
export function lastRunLensTitle(run: RunInfo): string {
  if (run.status === 'running' || run.status === 'queued') return `last run (${run.status}): show its dashboard`;
  const status = run.status === 'completed' ? '' : ` (${run.status})`;
  return `last run${status}: step ${run.step} · val ${fixed(run.lastValLoss, 3)} · MaxVio ${fixed(run.lastMaxVio, 2)}`;
}
