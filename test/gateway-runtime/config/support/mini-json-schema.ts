/**
 * A tiny JSON Schema (draft 2020-12) checker for the keywords config.schema.json uses, so the schema can
 * be tested without adding ajv to the project. It throws on any keyword it does not know, so the schema
 * can not silently grow beyond what this checker understands.
 */

type Schema = Record<string, unknown> | boolean;

/** Keywords that only annotate (no effect on validity). */
const ANNOTATIONS = new Set(['$schema', '$id', 'title', 'description', 'default', 'examples', '$defs']);
const ASSERTIONS = new Set([
  'type',
  'properties',
  'required',
  'additionalProperties',
  'propertyNames',
  'const',
  'enum',
  'oneOf',
  'anyOf',
  'not',
  '$ref',
  'items',
  'contains',
  'minItems',
  'uniqueItems',
  'minLength',
  'maxLength',
  'pattern',
  'minimum',
  'maximum',
  'if',
  'then',
]);

export const SUPPORTED_KEYWORDS: ReadonlySet<string> = new Set([...ANNOTATIONS, ...ASSERTIONS]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

const typeOf = (v: unknown): string =>
  v === null
    ? 'null'
    : Array.isArray(v)
      ? 'array'
      : typeof v === 'number' && Number.isInteger(v)
        ? 'integer'
        : typeof v;

const deepEqual = (a: unknown, b: unknown): boolean => JSON.stringify(a) === JSON.stringify(b);

/** Returns the JSON paths (dotted, like the validator's) where `value` breaks `schema`. Empty: valid. */
export function checkSchema(root: Record<string, unknown>, value: unknown): string[] {
  const errors: string[] = [];
  const resolve = (ref: string): Schema => {
    const match = /^#\/\$defs\/([A-Za-z0-9_-]+)$/.exec(ref);
    const defs = root.$defs as Record<string, Schema> | undefined;
    if (!match || !defs || defs[match[1]] === undefined) throw new Error(`unsupported $ref ${ref}`);
    return defs[match[1]];
  };
  const join = (path: string, key: string | number) =>
    typeof key === 'number' ? `${path}[${key}]` : path === '' ? key : `${path}.${key}`;

  const walk = (schema: Schema, v: unknown, path: string, out: string[]): void => {
    if (schema === true) return;
    if (schema === false) {
      out.push(`${path || '(root)'}: not allowed`);
      return;
    }
    for (const keyword of Object.keys(schema)) {
      if (!SUPPORTED_KEYWORDS.has(keyword))
        throw new Error(`mini-json-schema: unsupported keyword ${keyword}`);
    }
    const fail = (message: string): void => {
      out.push(`${path || '(root)'}: ${message}`);
    };
    const s = schema;
    if (s.$ref !== undefined) walk(resolve(s.$ref as string), v, path, out);
    if (s.type !== undefined) {
      const t = typeOf(v);
      const ok = s.type === t || (s.type === 'number' && t === 'integer');
      if (!ok) {
        fail(`must be ${String(s.type)}`);
        return;
      }
    }
    if (s.const !== undefined && !deepEqual(s.const, v)) fail(`must be ${JSON.stringify(s.const)}`);
    if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => deepEqual(e, v))) fail('not in enum');
    if (typeof v === 'string') {
      if (s.minLength !== undefined && [...v].length < (s.minLength as number)) fail('too short');
      if (s.maxLength !== undefined && [...v].length > (s.maxLength as number)) fail('too long');
      if (s.pattern !== undefined && !new RegExp(s.pattern as string, 'u').test(v)) fail('pattern');
    }
    if (typeof v === 'number') {
      if (s.minimum !== undefined && v < (s.minimum as number)) fail('below minimum');
      if (s.maximum !== undefined && v > (s.maximum as number)) fail('above maximum');
    }
    if (Array.isArray(v)) {
      if (s.minItems !== undefined && v.length < (s.minItems as number)) fail('too few items');
      if (s.uniqueItems === true && new Set(v.map((i) => JSON.stringify(i))).size !== v.length)
        fail('not unique');
      if (s.items !== undefined) v.forEach((item, i) => walk(s.items as Schema, item, join(path, i), out));
      if (s.contains !== undefined && !v.some((item) => attempt(s.contains as Schema, item, path))) {
        fail('contains');
      }
    }
    if (isObject(v)) {
      const props = (s.properties ?? {}) as Record<string, Schema>;
      for (const key of (s.required ?? []) as string[]) if (v[key] === undefined) fail(`${key} is required`);
      for (const [key, item] of Object.entries(v)) {
        if (s.propertyNames !== undefined && !attempt(s.propertyNames as Schema, key, path)) {
          out.push(`${join(path, key)}: property name`);
        }
        if (props[key] !== undefined) walk(props[key], item, join(path, key), out);
        else if (s.additionalProperties !== undefined) {
          walk(s.additionalProperties as Schema, item, join(path, key), out);
        }
      }
    }
    if (s.not !== undefined && attempt(s.not as Schema, v, path)) fail('matches "not"');
    if (s.anyOf !== undefined && !(s.anyOf as Schema[]).some((sub) => attempt(sub, v, path))) fail('anyOf');
    if (s.oneOf !== undefined) {
      const matches = (s.oneOf as Schema[]).filter((sub) => attempt(sub, v, path)).length;
      if (matches !== 1) fail(`oneOf matched ${matches}`);
    }
    if (s.if !== undefined && attempt(s.if as Schema, v, path) && s.then !== undefined) {
      walk(s.then as Schema, v, path, out);
    }
  };
  const attempt = (schema: Schema, v: unknown, path: string): boolean => {
    const out: string[] = [];
    walk(schema, v, path, out);
    return out.length === 0;
  };
  walk(root, value, '', errors);
  return errors;
}

/** Every keyword used anywhere in the schema (to prove the checker covers them all). */
export function keywordsOf(schema: unknown, found = new Set<string>()): Set<string> {
  if (!isObject(schema)) return found;
  for (const [key, value] of Object.entries(schema)) {
    found.add(key);
    if (key === 'properties' || key === '$defs') {
      for (const sub of Object.values(value as Record<string, unknown>)) keywordsOf(sub, found);
    } else if (Array.isArray(value)) {
      value.forEach((sub) => keywordsOf(sub, found));
    } else if (isObject(value) && key !== 'const' && key !== 'default') {
      keywordsOf(value, found);
    }
  }
  return found;
}
