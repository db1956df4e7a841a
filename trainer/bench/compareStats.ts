/**
 * Statistics of a comparison over seeds: mean ± sd of each final figure per arm (balancer), the mean
 * validation-loss curve, and the steps each arm needs to reach the baseline's final val loss.
 */
import type { ComparePreset, ReportedFigure } from '../../protocol/comparePreset';
import { spread, type Spread } from '../../protocol/runModel/seedSpread';
import type { CompareRunFigures } from '../run/summary';

export interface ArmRuns {
  label: string;
  /** one per seed */
  runs: CompareRunFigures[];
}

/** The mean val loss over the runs at each eval step that every run reached, in step order. */
export function meanCurve(runs: readonly CompareRunFigures[]): { step: number; valLoss: number }[] {
  if (runs.length === 0) return [];
  const byStep = runs.map((r) => new Map(r.evalCurve.map((p) => [p.step, p.valLoss])));
  return runs[0].evalCurve
    .map((p) => p.step)
    .filter((step) => byStep.every((m) => m.has(step)))
    .map((step) => ({ step, valLoss: byStep.reduce((s, m) => s + m.get(step)!, 0) / byStep.length }));
}

/** First eval step at which the curve is at or below target; undefined if it never gets there. */
export function stepsToTarget(curve: readonly { step: number; valLoss: number }[], target: number): number | undefined {
  return curve.find((p) => p.valLoss <= target)?.step;
}

/** Mean over layers of the experts used at the last eval, per run. */
const meanExpertsUsed = (r: CompareRunFigures) =>
  r.expertsUsed?.length ? r.expertsUsed.reduce((a, b) => a + b, 0) / r.expertsUsed.length : undefined;

export interface ArmStats {
  label: string;
  seeds: number;
  /** runs that did not complete, as "seed 7: diverged at step 12" */
  failures: string[];
  valLoss?: Spread;
  maxVioGlobal?: Spread;
  pesMin?: Spread;
  expertsUsed?: Spread;
  tokensPerSecond?: Spread;
  /** first eval step where the arm's mean val loss ≤ the baseline's mean final val loss */
  stepsToBaseline?: number;
  /** the arm's last eval step (the budget steps are counted against) */
  lastEvalStep?: number;
}

export function armStats(arms: readonly ArmRuns[], baseline: string): ArmStats[] {
  const base = arms.find((a) => a.label === baseline);
  const target = base ? spread(base.runs.map((r) => r.valLoss))?.mean : undefined;
  return arms.map(({ label, runs }) => {
    const curve = meanCurve(runs);
    return {
      label,
      seeds: runs.length,
      failures: runs
        .filter((r) => r.status !== 'completed')
        .map((r) => `seed ${r.seed}: ${r.status} at step ${r.steps}`),
      valLoss: spread(runs.map((r) => r.valLoss)),
      maxVioGlobal: spread(runs.map((r) => r.maxVioGlobal)),
      pesMin: spread(runs.map((r) => r.pesMin)),
      expertsUsed: spread(runs.map(meanExpertsUsed)),
      tokensPerSecond: spread(runs.map((r) => r.tokensPerSecond)),
      stepsToBaseline: target === undefined ? undefined : stepsToTarget(curve, target),
      lastEvalStep: curve.at(-1)?.step,
    };
  });
}

const pm = (s: Spread | undefined, digits: number) => (s ? `${s.mean.toFixed(digits)} ± ${s.sd.toFixed(digits)}` : '–');

/** The markdown table `npm run compare` prints: one row per arm, mean ± sd over seeds. */
export function seedTable(stats: readonly ArmStats[], experts: number, baseline: string): string {
  const lines = [
    `| balancer | seeds | val loss | MaxVio_global | min PES | experts used (of ${experts}) | tokens/s | steps to ${baseline}'s final val loss |`,
    '|---|---:|---:|---:|---:|---:|---:|---:|',
    ...stats.map((s) => {
      const steps = s.stepsToBaseline === undefined ? 'not reached' : `${s.stepsToBaseline} of ${s.lastEvalStep}`;
      const label = s.failures.length ? `${s.label} (${s.failures.join('; ')})` : s.label;
      const cells = [
        label,
        String(s.seeds),
        pm(s.valLoss, 4),
        pm(s.maxVioGlobal, 3),
        pm(s.pesMin, 4),
        pm(s.expertsUsed, 1),
        pm(s.tokensPerSecond, 0),
        steps,
      ];
      return `| ${cells.join(' | ')} |`;
    }),
  ];
  return lines.join('\n') + '\n';
}

/** Our figure for a reported metric: mean ± sd over seeds, or, for tokensToTarget, steps to the baseline's loss over its budget. */
function ours(stat: ArmStats | undefined, figure: ReportedFigure): string {
  if (!stat) return '–';
  switch (figure.metric) {
    case 'valLoss':
      return pm(stat.valLoss, 4);
    case 'perplexity':
      return stat.valLoss ? Math.exp(stat.valLoss.mean).toFixed(2) : '–';
    case 'maxVioGlobal':
      return pm(stat.maxVioGlobal, 3);
    case 'pesMin':
      return pm(stat.pesMin, 4);
    case 'expertsUsed':
      return pm(stat.expertsUsed, 1);
    case 'tokensToTarget':
      return stat.stepsToBaseline === undefined || !stat.lastEvalStep
        ? 'not reached'
        : (stat.stepsToBaseline / stat.lastEvalStep).toFixed(3);
  }
}

/** The paper's reported figures beside ours, and its claims, as markdown (the compare report's last section). */
export function paperSection(
  preset: Pick<ComparePreset, 'paper' | 'setting' | 'reported' | 'claims'>,
  stats: readonly ArmStats[],
): string {
  const rows = preset.reported.map(
    (f) =>
      `| ${f.arm} | ${f.metric} | ${f.value} (${f.where}) | ${ours(
        stats.find((s) => s.label === f.arm),
        f,
      )} |`,
  );
  return [
    `## The paper's figures beside ours`,
    '',
    `${preset.paper}. ${preset.setting}`,
    '',
    '| arm | metric | paper | ours (mean ± sd over seeds) |',
    '|---|---|---:|---:|',
    ...rows,
    '',
    "tokensToTarget: the fraction of the baseline's budget at which the arm first reaches the baseline's final val loss.",
    '',
    "The paper's claims:",
    '',
    ...preset.claims.map((c) => `- ${c}`),
    '',
  ].join('\n');
}
