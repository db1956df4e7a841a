// The editor's JSON Schema for *.moe.json is generated from RUN_CONFIG_SPEC: it must mirror the spec
// exactly and accept and reject the same configs as the trainer's validator (resolveRunConfig).
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { resolveRunConfig, RUN_CONFIG_SPEC, runConfigJsonSchema } from '../../protocol/runConfig';

type Schema = Record<string, unknown>;

const ANNOTATIONS = new Set(['$schema', 'title', 'description', 'markdownDescription', 'default']);
const KEYWORDS = new Set([
  'type',
  'properties',
  'additionalProperties',
  'enum',
  'minimum',
  'exclusiveMinimum',
  'maximum',
  'minLength',
  'items',
  'uniqueItems',
]);

function typeOk(type: string, value: unknown): boolean {
  switch (type) {
    case 'object':
      return typeof value === 'object' && value !== null && !Array.isArray(value);
    case 'array':
      return Array.isArray(value);
    case 'integer':
      return Number.isInteger(value);
    case 'number':
      return typeof value === 'number';
    case 'string':
    case 'boolean':
      return typeof value === type;
    default:
      throw new Error(`schema uses type ${type}, which this checker does not know`);
  }
}

/**
 * The subset of JSON Schema (draft-07) the generator uses; any other keyword fails the test, so the
 * checker cannot silently ignore a constraint. Returns the paths of violations.
 */
function violations(schema: Schema, value: unknown, path = '$'): string[] {
  for (const key of Object.keys(schema)) {
    if (!KEYWORDS.has(key) && !ANNOTATIONS.has(key)) throw new Error(`unsupported schema keyword ${key} at ${path}`);
  }
  if (schema.type !== undefined && !typeOk(schema.type as string, value)) return [path];
  const out: string[] = [];
  if (schema.enum && !(schema.enum as unknown[]).includes(value)) out.push(path);
  if (typeof value === 'number') {
    if (schema.minimum !== undefined && value < (schema.minimum as number)) out.push(path);
    if (schema.exclusiveMinimum !== undefined && value <= (schema.exclusiveMinimum as number)) out.push(path);
    if (schema.maximum !== undefined && value > (schema.maximum as number)) out.push(path);
  }
  if (typeof value === 'string' && schema.minLength !== undefined && value.length < (schema.minLength as number))
    out.push(path);
  if (Array.isArray(value)) {
    if (schema.uniqueItems && new Set(value.map((v) => JSON.stringify(v))).size !== value.length) out.push(path);
    if (schema.items)
      value.forEach((item, i) => out.push(...violations(schema.items as Schema, item, `${path}[${i}]`)));
  }
  if (schema.type === 'object') {
    const properties = (schema.properties ?? {}) as Record<string, Schema>;
    for (const [key, item] of Object.entries(value as Record<string, unknown>)) {
      if (properties[key]) out.push(...violations(properties[key], item, `${path}.${key}`));
      else if (schema.additionalProperties === false) out.push(`${path}.${key}`);
    }
  }
  return out;
}

const schema = runConfigJsonSchema();

function resolverProblems(config: unknown): string[] {
  try {
    resolveRunConfig(config);
    return [];
  } catch (error) {
    return (error as { problems: { path: string }[] }).problems.map((p) => p.path);
  }
}

test('the build writes the generated schema to dist/moe-run.schema.json (jsonValidation points there)', () => {
  assert.deepEqual(JSON.parse(readFileSync('dist/moe-run.schema.json', 'utf8')), schema);
  const manifest = JSON.parse(readFileSync('package.json', 'utf8')) as { contributes: { jsonValidation: unknown } };
  assert.deepEqual(manifest.contributes.jsonValidation, [
    { fileMatch: '*.moe.json', url: './dist/moe-run.schema.json' },
  ]);
});

test('schema properties mirror RUN_CONFIG_SPEC exactly: sections, fields, types, bounds, enums, defaults', () => {
  const properties = schema.properties as Record<string, Schema>;
  assert.deepEqual(
    Object.keys(properties).sort(),
    ['$schema', 'backend', 'name', ...Object.keys(RUN_CONFIG_SPEC)].sort(),
  );
  assert.equal(schema.additionalProperties, false);
  for (const [sectionName, section] of Object.entries(RUN_CONFIG_SPEC)) {
    const sectionSchema = properties[sectionName];
    assert.equal(sectionSchema.type, 'object');
    assert.equal(sectionSchema.additionalProperties, false, sectionName);
    const fieldSchemas = sectionSchema.properties as Record<string, Schema>;
    assert.deepEqual(Object.keys(fieldSchemas), Object.keys(section.fields), sectionName);
    for (const [fieldName, field] of Object.entries(section.fields) as [string, Record<string, unknown>][]) {
      const where = `${sectionName}.${fieldName}`;
      const s = fieldSchemas[fieldName];
      assert.deepEqual(s.default, field.default, where);
      assert.equal(s.description, field.description, where);
      switch (field.kind) {
        case 'number':
          assert.equal(s.type, field.integer ? 'integer' : 'number', where);
          for (const bound of ['minimum', 'exclusiveMinimum', 'maximum'])
            assert.equal(s[bound], field[bound], `${where} ${bound}`);
          break;
        case 'boolean':
          assert.equal(s.type, 'boolean', where);
          break;
        case 'enum':
          assert.deepEqual([s.type, s.enum], ['string', field.values], where);
          break;
        case 'list': {
          const of = field.of as { kind: string; values?: string[] };
          if (of.kind === 'string')
            assert.deepEqual([s.type, s.items], ['array', { type: 'string', minLength: 1 }], where);
          else
            assert.deepEqual(
              [s.type, s.items, s.uniqueItems],
              ['array', { type: 'string', enum: of.values }, true],
              where,
            );
          break;
        }
        default:
          assert.fail(`${where}: kind ${JSON.stringify(field.kind)} not checked`);
      }
    }
  }
});

// [description, config]: each must be accepted by both or rejected by both, at the same path.
const CASES: [string, unknown][] = [
  ['empty config (all defaults)', {}],
  [
    'the example a user writes',
    { name: 'tiny', backend: 'wasm', model: { experts: 4, topK: 2 }, balancer: { methods: ['loss-free', 'simbal'] } },
  ],
  ['$schema is allowed', { $schema: './x.json' }],
  ['unknown top-level key', { modell: {} }],
  ['unknown key in a section', { model: { topk: 2 } }],
  ['section not an object', { model: [] }],
  ['integer field given a fraction', { model: { layers: 1.5 } }],
  ['integer below its minimum', { model: { experts: 1 } }],
  ['integer above its maximum', { model: { layers: 49 } }],
  ['integer at its bounds', { model: { experts: 2, layers: 48, moeEvery: 1 } }],
  ['number at its exclusive minimum', { training: { lr: 0 } }],
  ['number just above its exclusive minimum', { training: { lr: 1e-9 } }],
  ['number field given a string', { training: { lr: '0.01' } }],
  ['fraction at its maximum', { data: { validationFraction: 0.5 } }],
  ['fraction above its maximum', { data: { validationFraction: 0.51 } }],
  ['enum value', { model: { gate: 'sigmoid' } }],
  ['unknown enum value', { model: { gate: 'relu' } }],
  ['backend enum', { backend: 'tensorflow-gpu' }],
  ['unknown backend', { backend: 'cuda' }],
  ['boolean given a string', { training: { finalAnalysis: 'yes' } }],
  ['empty name', { name: '' }],
  ['name not a string', { name: 7 }],
  ['files: list of strings', { data: { files: ['a.txt', 'b/*.txt'] } }],
  ['files: empty string', { data: { files: [''] } }],
  ['files: not a list', { data: { files: 'a.txt' } }],
  ['methods: one unknown', { balancer: { methods: ['loss-free', 'magic'] } }],
  ['methods: empty list', { balancer: { methods: [] } }],
  ['methods: a method twice', { balancer: { methods: ['aux-loss', 'aux-loss'] } }],
  ['methods: not a list', { balancer: { methods: 'aux-loss' } }],
  ['config not an object', []],
];

test('the schema and resolveRunConfig accept and reject the same configs, at the same JSON paths', () => {
  for (const [description, config] of CASES) {
    const bySchema = violations(schema, config);
    const byResolver = resolverProblems(config);
    assert.equal(
      bySchema.length > 0,
      byResolver.length > 0,
      `${description}: schema ${bySchema}, resolver ${byResolver}`,
    );
    // Same place: equal paths, or the schema names the list item where the resolver names the list.
    const within = (path: string, outer: string) => path === outer || path.startsWith(`${outer}[`);
    for (const path of bySchema)
      assert.ok(
        byResolver.some((r) => within(path, r)),
        `${description}: schema ${path}, resolver ${byResolver}`,
      );
    for (const path of byResolver)
      assert.ok(
        bySchema.some((s) => within(s, path)),
        `${description}: resolver ${path}, schema ${bySchema}`,
      );
  }
  // Both sides are exercised.
  assert.ok(CASES.filter(([, c]) => violations(schema, c).length === 0).length >= 8);
  assert.ok(CASES.filter(([, c]) => violations(schema, c).length > 0).length >= 15);
});

test('what only the validator can check (relations between fields) the schema leaves to it', () => {
  // JSON Schema cannot say topK ≤ experts: the editor accepts, Start Run and the trainer refuse.
  const related: [unknown, string][] = [
    [{ model: { experts: 4, topK: 8 } }, '$.model.topK'],
    [{ model: { dModel: 30, heads: 4 } }, '$.model.dModel'],
    [{ balancer: { methods: ['none', 'aux-loss'] } }, '$.balancer.methods'],
  ];
  for (const [config, path] of related) {
    assert.deepEqual(violations(schema, config), []);
    assert.deepEqual(resolverProblems(config), [path]);
  }
});
