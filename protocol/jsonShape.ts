/**
 * JSON shapes written once as values, from which come both the TypeScript type of a value (`JsonOf`)
 * and its check (`shapeCheck`), whose mismatch names the JSON path, what was expected and what was
 * found. Extra fields are allowed (a newer writer may add some). A field can be required only in some
 * schema versions (`versioned`); its type is then optional. The event log (events.ts) is described so.
 */

interface Presence {
  /** may be absent; `requiredFrom` / `requiredBefore` narrow that to some schema versions */
  readonly optional?: true;
  /** required in values of schema version ≥ this */
  readonly requiredFrom?: number;
  /** required in values of schema version < this */
  readonly requiredBefore?: number;
  /** a number that may overflow a double: null (JSON.stringify's Infinity) is read as Infinity */
  readonly nullIsInfinity?: true;
}
export type NumberField = Presence & { readonly kind: 'number' };
export type IntegerField = Presence & { readonly kind: 'integer'; readonly minimum: number };
export type StringField = Presence & { readonly kind: 'string' };
export type BooleanField = Presence & { readonly kind: 'boolean' };
export type EnumField<V extends string = string> = Presence & { readonly kind: 'enum'; readonly values: readonly V[] };
export interface ListField<I extends JsonField = JsonField> extends Presence {
  readonly kind: 'list';
  readonly of: I;
}
export interface ObjectField<S extends JsonFields = JsonFields> extends Presence {
  readonly kind: 'object';
  readonly fields: S;
}
export type JsonField = NumberField | IntegerField | StringField | BooleanField | EnumField | ListField | ObjectField;
export interface JsonFields {
  readonly [name: string]: JsonField;
}

/** A finite number (JSON.parse reads 1e999 as Infinity: not one). */
export const NUMBER: NumberField = { kind: 'number' };
export const STRING: StringField = { kind: 'string' };
export const BOOLEAN: BooleanField = { kind: 'boolean' };
export const integer = (minimum = -Infinity): IntegerField => ({ kind: 'integer', minimum });
/** An integer ≥ 0. */
export const COUNT = integer(0);
export const oneOf = <const V extends string>(values: readonly V[]): EnumField<V> => ({ kind: 'enum', values });
export const listOf = <I extends JsonField>(of: I): ListField<I> => ({ kind: 'list', of });
export const objectOf = <const S extends JsonFields>(fields: S): ObjectField<S> => ({ kind: 'object', fields });
export const optional = <F extends JsonField>(field: F): F & { readonly optional: true } => ({
  ...field,
  optional: true,
});
/** A number that may overflow a double (e^loss): JSON.stringify writes Infinity as null, read back as Infinity. */
export const mayOverflow = (field: NumberField): NumberField => ({ ...field, nullIsInfinity: true });
/** Optional in the type; required from schema version `from` on, or before version `before`. */
export const versioned = <F extends JsonField>(
  field: F,
  when: { from: number } | { before: number },
): F & { readonly optional: true } => ({
  ...field,
  optional: true,
  ...('from' in when ? { requiredFrom: when.from } : { requiredBefore: when.before }),
});

declare const typedAs: unique symbol;
/**
 * An object whose TypeScript type T is defined elsewhere (e.g. RunConfig), checked only for the
 * fields given: they must fit T (else the call lacks an argument: a compile error), T may have more.
 */
export const typedObject =
  <T>() =>
  <const S extends JsonFields>(
    fields: S,
    // eslint-disable-next-line @typescript-eslint/no-unused-vars -- only its type is read: a compile-time check
    ..._fitsT: T extends ObjectOf<S> ? [] : ['the fields do not fit the type']
  ): ObjectField<S> & { readonly [typedAs]: T } =>
    ({ kind: 'object', fields }) as ObjectField<S> & { readonly [typedAs]: T };

type Simplify<T> = { [K in keyof T]: T[K] } & {};
/** The TypeScript type of the JSON values a field describes. */
export type JsonOf<F> = F extends { readonly [typedAs]: infer T }
  ? T
  : F extends { kind: 'number' | 'integer' }
    ? number
    : F extends { kind: 'string' }
      ? string
      : F extends { kind: 'boolean' }
        ? boolean
        : F extends { kind: 'enum'; values: readonly (infer V)[] }
          ? V
          : F extends { kind: 'list'; of: infer I }
            ? JsonOf<I>[]
            : F extends { kind: 'object'; fields: infer S }
              ? ObjectOf<S>
              : never;
/** The object type of a set of fields: optional fields (`optional`, `versioned`) optional. */
export type ObjectOf<S> = Simplify<
  { -readonly [K in keyof S as S[K] extends { optional: true } ? never : K]: JsonOf<S[K]> } & {
    -readonly [K in keyof S as S[K] extends { optional: true } ? K : never]?: JsonOf<S[K]>;
  }
>;

/** Where a value does not fit its shape: "maxVioBatch[1]", "a finite number", "\"x\"". */
export interface FieldMismatch {
  path: string;
  expected: string;
  got: string;
}

/** A mismatch on the way up from where it was found: its path grows a key at each level. */
class Mismatch {
  readonly keys: (string | number)[] = [];
  constructor(
    readonly expected: string,
    readonly got: unknown,
  ) {}

  under(key: string | number): this {
    this.keys.push(key);
    return this;
  }

  describe(): FieldMismatch {
    const path = this.keys
      .reverse()
      .map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`))
      .join('');
    return { path, expected: this.expected, got: describeValue(this.got) };
  }
}

/** A JSON value in a few words: "nothing" when absent, "a list of 3", else its JSON cut at 40 characters. */
export function describeValue(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (Array.isArray(value)) return `a list of ${value.length}`;
  if (typeof value === 'number' && !Number.isFinite(value)) return `${value} (a number too large for a double)`;
  const text = JSON.stringify(value);
  return text.length > 40 ? `${text.slice(0, 39)}…` : text;
}

function describeField(field: JsonField): string {
  return field.nullIsInfinity ? `${describeKind(field)} or null (too large)` : describeKind(field);
}

function describeKind(field: JsonField): string {
  switch (field.kind) {
    case 'number':
      return 'a finite number';
    case 'integer':
      return field.minimum === -Infinity ? 'an integer' : `an integer ≥ ${field.minimum}`;
    case 'string':
      return 'a string';
    case 'boolean':
      return 'true or false';
    case 'enum':
      return `one of ${field.values.map((v) => JSON.stringify(v)).join(', ')}`;
    case 'list':
      return 'a list';
    case 'object':
      return 'an object';
  }
}

function isRequired(field: JsonField, version: number): boolean {
  if (!field.optional) return true;
  return (
    (field.requiredFrom !== undefined && version >= field.requiredFrom) ||
    (field.requiredBefore !== undefined && version < field.requiredBefore)
  );
}

function absent(field: JsonField, version: number): Mismatch {
  const when = field.optional ? ` (required in schema version ${version})` : '';
  return new Mismatch(describeField(field) + when, undefined);
}

type Check = (value: unknown, version: number) => Mismatch | undefined;

/** A check per field, made once: the hot path (every line of a 100k-step log) only runs closures. */
function compile(field: JsonField): Check {
  const expected = describeField(field);
  switch (field.kind) {
    case 'number':
      return (v) => (Number.isFinite(v) ? undefined : new Mismatch(expected, v));
    case 'integer': {
      const minimum = field.minimum;
      return (v) => (Number.isInteger(v) && (v as number) >= minimum ? undefined : new Mismatch(expected, v));
    }
    case 'string':
      return (v) => (typeof v === 'string' ? undefined : new Mismatch(expected, v));
    case 'boolean':
      return (v) => (typeof v === 'boolean' ? undefined : new Mismatch(expected, v));
    case 'enum': {
      const values: readonly unknown[] = field.values;
      return (v) => (values.includes(v) ? undefined : new Mismatch(expected, v));
    }
    case 'list': {
      // lists of numbers (counts, per-layer values) are most of a log: one loop, no call per number
      const item = field.of;
      if (item.kind === 'number' && !item.nullIsInfinity) {
        return (v) => {
          if (!Array.isArray(v)) return new Mismatch(expected, v);
          for (let i = 0; i < v.length; i++) {
            if (!Number.isFinite(v[i])) return new Mismatch(describeField(item), v[i]).under(i);
          }
          return undefined;
        };
      }
      if (item.kind === 'integer') {
        const minimum = item.minimum;
        return (v) => {
          if (!Array.isArray(v)) return new Mismatch(expected, v);
          for (let i = 0; i < v.length; i++) {
            const n: unknown = v[i];
            if (!Number.isInteger(n) || (n as number) < minimum) return new Mismatch(describeField(item), n).under(i);
          }
          return undefined;
        };
      }
      const check = compile(item);
      return (v, version) => {
        if (!Array.isArray(v)) return new Mismatch(expected, v);
        for (let i = 0; i < v.length; i++) {
          const mismatch = check(v[i], version);
          if (mismatch) return mismatch.under(i);
        }
        return undefined;
      };
    }
    case 'object': {
      const fields = compileFields(field.fields);
      return (v, version) =>
        v !== null && typeof v === 'object' && !Array.isArray(v)
          ? fields(v as Record<string, unknown>, version)
          : new Mismatch(expected, v);
    }
  }
}

function compileFields(shape: JsonFields): (value: Record<string, unknown>, version: number) => Mismatch | undefined {
  const names = Object.keys(shape);
  const fields = names.map((name) => shape[name]);
  const checks = fields.map(compile);
  return (value, version) => {
    for (let i = 0; i < names.length; i++) {
      const v = value[names[i]];
      if (v === null && fields[i].nullIsInfinity) {
        value[names[i]] = Infinity;
        continue;
      }
      const mismatch =
        v === undefined
          ? isRequired(fields[i], version)
            ? absent(fields[i], version)
            : undefined
          : checks[i](v, version);
      if (mismatch) return mismatch.under(names[i]);
    }
    return undefined;
  };
}

/**
 * The check of an object's fields: the first field that does not fit at schema version `version`, or
 * undefined when all fit. (Field names are read as `value[name]`: no shape names an Object.prototype member.)
 */
export function shapeCheck(
  shape: JsonFields,
): (value: Record<string, unknown>, version: number) => FieldMismatch | undefined {
  const check = compileFields(shape);
  return (value, version) => check(value, version)?.describe();
}
