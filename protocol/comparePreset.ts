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

const METRICS: readonly ReportedFigure['metric'][] = [
  'valLoss',
  'perplexity',
  'maxVioGlobal',
  'pesMin',
  'expertsUsed',
  'tokensToTarget',
];

/**
 * A preset file's text as a ComparePreset, or an Error listing every problem as `file: $.json.path: what`.
 * Checks the preset's own shape; each arm's balancer and router are checked later, as part of the run
 * config they are merged into.
 */
export function parseComparePreset(text: string, file: string): ComparePreset {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new Error(`${file}: not valid JSON: ${(error as Error).message}`);
  }
  const problems: string[] = [];
  const problem = (path: string, expected: string, got: unknown) =>
    problems.push(`${path}: expected ${expected}, got ${JSON.stringify(got) ?? 'nothing'}`);
  const isObject = (v: unknown): v is Record<string, unknown> =>
    typeof v === 'object' && v !== null && !Array.isArray(v);
  if (!isObject(value)) throw new Error(`${file}: $: expected an object, got ${JSON.stringify(value)}`);
  for (const key of ['title', 'paper', 'setting', 'config', 'baseline'] as const)
    if (typeof value[key] !== 'string') problem(`$.${key}`, 'a string', value[key]);
  for (const key of ['steps', 'seeds'] as const) {
    const n = value[key];
    if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) problem(`$.${key}`, 'a positive integer', n);
  }
  const labels: unknown[] = [];
  if (!Array.isArray(value.arms) || value.arms.length === 0) problem('$.arms', 'a non-empty array of arms', value.arms);
  else
    value.arms.forEach((arm: unknown, i) => {
      if (!isObject(arm)) return problem(`$.arms[${i}]`, 'an object', arm);
      labels.push(arm.label);
      if (typeof arm.label !== 'string') problem(`$.arms[${i}].label`, 'a string', arm.label);
      if (!isObject(arm.balancer)) problem(`$.arms[${i}].balancer`, 'an object (a run config balancer)', arm.balancer);
      if (arm.router !== undefined && !isObject(arm.router))
        problem(`$.arms[${i}].router`, 'an object (a run config router)', arm.router);
    });
  if (typeof value.baseline === 'string' && labels.length > 0 && !labels.includes(value.baseline))
    problem('$.baseline', `one of the arms' labels (${labels.join(', ')})`, value.baseline);
  if (!Array.isArray(value.reported)) problem('$.reported', 'an array', value.reported);
  else
    value.reported.forEach((figure: unknown, i) => {
      if (!isObject(figure)) return problem(`$.reported[${i}]`, 'an object', figure);
      if (!labels.includes(figure.arm)) problem(`$.reported[${i}].arm`, "one of the arms' labels", figure.arm);
      if (!METRICS.includes(figure.metric as ReportedFigure['metric']))
        problem(`$.reported[${i}].metric`, `one of ${METRICS.join(', ')}`, figure.metric);
      if (typeof figure.value !== 'number') problem(`$.reported[${i}].value`, 'a number', figure.value);
      if (typeof figure.where !== 'string') problem(`$.reported[${i}].where`, 'a string', figure.where);
    });
  if (!Array.isArray(value.claims) || value.claims.some((c) => typeof c !== 'string'))
    problem('$.claims', 'an array of strings', value.claims);
  if (problems.length > 0) throw new Error(problems.map((p) => `${file}: ${p}`).join('\n'));
  return value as unknown as ComparePreset;
}
