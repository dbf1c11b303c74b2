/**
 * Builds config.schema.json from the definition (definition.ts): for every field of a defined section its
 * schema (an `int`, `bool` or `oneOf` field's entirely from its kind, bounds, values and default; a
 * `custom` field's from config.schema.parts.json, which holds what only validate.ts's checks say) and its
 * description (the field's doc comment). Development only: the runtime never imports this module.
 *
 *   npm run generate:config-schema     # writes gateway-runtime/config.schema.json
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import * as definition from './definition';
import type { Field, Fields } from './definition';

type Json = Record<string, unknown>;

const CONFIG_DIR = __dirname;
export const SCHEMA_FILE = join(CONFIG_DIR, '../../config.schema.json');
export const PARTS_FILE = join(CONFIG_DIR, '../../config.schema.parts.json');

/** Where each section of the definition sits in the schema (a path of keys from the root). */
const SECTIONS: Readonly<Record<string, readonly (string | number)[]>> = {
  ROOT_TUNING: [],
  TRUSTED_SOURCES: ['properties', 'trustedSources'],
  BACKEND: ['$defs', 'backend'],
  FORWARDING: ['properties', 'forwarding'],
  TIMEOUTS: ['properties', 'timeouts'],
  LIMITS: ['properties', 'limits'],
  SERVER: ['properties', 'server'],
  SERVER_ADMIN: ['properties', 'server', 'properties', 'admin'],
  DNS: ['$defs', 'dns'],
  OAUTH2_TUNING: ['$defs', 'security', 'oneOf', 5],
};

/** The doc comment of every field of every section: `SECTION.field` → text, `@default` tags dropped. */
export function fieldDocs(file = join(CONFIG_DIR, 'definition.ts')): Map<string, string> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const docs = new Map<string, string>();
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      const init = declaration.initializer;
      if (!ts.isIdentifier(declaration.name) || !init || !ts.isObjectLiteralExpression(init)) continue;
      for (const property of init.properties) {
        if (!ts.isPropertyAssignment(property) || !ts.isIdentifier(property.name)) continue;
        const jsDoc = ts.getJSDocCommentsAndTags(property).find(ts.isJSDoc);
        const text = ts.getTextOfJSDocComment(jsDoc?.comment);
        if (text)
          docs.set(`${declaration.name.text}.${property.name.text}`, text.replace(/\s+/g, ' ').trim());
      }
    }
  }
  return docs;
}

function fieldSchema(field: Field): Json {
  switch (field.kind) {
    case 'int':
      return {
        type: 'integer',
        minimum: field.min,
        ...(field.max === undefined ? {} : { maximum: field.max }),
      };
    case 'bool':
      return { type: 'boolean' };
    case 'oneOf':
      return { enum: [...field.values] };
    case 'custom':
      return {};
  }
}

/** The JSON Schema of the configuration document. */
export function buildSchema(parts: Json = JSON.parse(readFileSync(PARTS_FILE, 'utf8')) as Json): Json {
  const schema = structuredClone(parts);
  const docs = fieldDocs();
  const sections = definition as unknown as Record<string, Fields>;
  for (const [name, path] of Object.entries(SECTIONS)) {
    const target = path.reduce<Json>((node, key) => (node as Record<string | number, Json>)[key], schema);
    const given = (target.properties ?? {}) as Record<string, Json>;
    const properties: Record<string, Json> = {};
    for (const [key, field] of Object.entries(sections[name])) {
      const description = docs.get(`${name}.${key}`);
      properties[key] = {
        ...fieldSchema(field),
        ...given[key],
        ...(field.default === undefined ? {} : { default: field.default }),
        ...(description ? { description } : {}),
      };
    }
    target.properties = { ...properties, ...given, ...properties };
  }
  return schema;
}

/** The file's text: two-space JSON, a final newline. */
export const schemaText = (schema: Json = buildSchema()): string => `${JSON.stringify(schema, null, 2)}\n`;
