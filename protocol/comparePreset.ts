/**
 * Paper presets for `npm run compare -- --preset FILE` and "MoE Lens: Reproduce Paper…"
 * (examples/papers/*.compare.json), and the report a comparison writes beside its runs
 * (`<runs>/<name>.compare.json`), which the extension shows with the paper's figures.
 */
import type { RunConfigInput } from './runConfig';

/** A figure the paper reports for one arm, shown beside ours. */
export interface ReportedFigure {
  /** the arm's label in this preset */
  arm: string;
  metric: 'valLoss' | 'perplexity' | 'maxVioGlobal' | 'pesMin' | 'expertsUsed' | 'tokensToTarget';
  value: number;
  /** where in the paper, at what scale: "Table 2, 1B, MaxVio_global" */
  where: string;
}

export interface ComparePreset {
  title: string;
  /** the paper: authors, year, arXiv id */
  paper: string;
  /** what the miniature keeps of the paper's setting, and what it changes */
  setting: string;
  /** base run config (path relative to the preset file) */
  config: string;
  steps: number;
  seeds: number;
  /** the arm the others are measured against (steps to its final val loss) */
  baseline: string;
  /** each arm: a label and what it changes over the base config (balancer; router only if the paper does) */
  arms: { label: string; balancer: RunConfigInput['balancer']; router?: RunConfigInput['router'] }[];
  reported: ReportedFigure[];
  /** the paper's claims in words, as the report lists them */
  claims: string[];
}

export interface CompareSpread {
  mean: number;
  sd: number;
  n: number;
}

/** `<runs>/<name>.compare.json`: what `npm run compare` measured. */
export interface CompareReport {
  name: string;
  command: string;
  /** the preset file, when run from one */
  preset?: ComparePreset & { file: string };
  steps: number;
  seeds: number[];
  baseline: string;
  experts: number;
  evalTokens?: number;
  maxVioNoiseFloor?: number;
  arms: {
    label: string;
    /** run folder names in the runs directory, one per seed */
    runs: string[];
    failures: string[];
    valLoss?: CompareSpread;
    maxVioGlobal?: CompareSpread;
    pesMin?: CompareSpread;
    expertsUsed?: CompareSpread;
    tokensPerSecond?: CompareSpread;
    stepsToBaseline?: number;
    lastEvalStep?: number;
  }[];
  /** the markdown table printed */
  table: string;
}
