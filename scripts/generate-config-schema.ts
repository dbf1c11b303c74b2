/**
 * Builds gateway-runtime/config.schema.json from the configuration's definition
 * (gateway-runtime/src/config/definition.ts), and with no argument writes it. Build tooling: the runtime
 * never imports this module.
 *
 * Every field's schema comes from its kind (`int`, `bool`, `oneOf`, `str`, `secret`, `list`, `obj`),
 * bounds, pattern and default; its description from its doc comment (read with the TypeScript compiler
 * API, so the docs cost the Lambda bundle nothing); what a kind does not say (a URL's pattern, if/then
 * rules, a `custom` field's whole schema) from the doc comment's `@schema {json}` tag, merged in. A
 * section whose doc comment has `@schema-def name` is written once under `$defs` and referred to.
 *
 *   npm run generate:config-schema     # writes gateway-runtime/config.schema.json
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as ts from 'typescript';
import * as definition from '../gateway-runtime/src/config/definition';
import type { Field, Fields } from '../gateway-runtime/src/config/definition';

type Json = Record<string, unknown>;

export const SCHEMA_FILE = join(__dirname, '../gateway-runtime/config.schema.json');
const DEFINITION_FILE = join(__dirname, '../gateway-runtime/src/config/definition.ts');

/** A doc comment: its text (tags dropped), its `@schema` JSON and its `@schema-def` name. */
interface Doc {
  readonly text?: string;
  readonly schema?: Json;
  readonly def?: string;
}

function docOf(node: ts.Node, where: string): Doc | undefined {
  const jsDoc = ts.getJSDocCommentsAndTags(node).filter(ts.isJSDoc).at(-1);
  if (!jsDoc) return undefined;
  const text = ts.getTextOfJSDocComment(jsDoc.comment)?.replace(/\s+/g, ' ').trim();
  let schema: Json | undefined;
  let def: string | undefined;
  for (const tag of jsDoc.tags ?? []) {
    const comment = ts.getTextOfJSDocComment(tag.comment)?.trim() ?? '';
    if (tag.tagName.text === 'schema') {
      try {
        schema = JSON.parse(comment) as Json;
      } catch (error) {
        throw new Error(`${where}: its @schema tag is not JSON: ${(error as Error).message}`);
      }
    } else if (tag.tagName.text === 'schema-def') def = comment;
  }
  return { ...(text ? { text } : {}), ...(schema ? { schema } : {}), ...(def ? { def } : {}) };
}

/**
 * Every doc comment of the definition, by path: `TIMEOUTS` (the section), `TIMEOUTS.connectMs`,
 * `SCHEMES.signature.keyId`, `SCHEMES.oauth2-client-credentials.tokenEndpointTls.ca` (a section written
 * inline, also inside `obj(...)` or `required(...)`).
 */
export function definitionDocs(file = DEFINITION_FILE): Map<string, Doc> {
  const source = ts.createSourceFile(file, readFileSync(file, 'utf8'), ts.ScriptTarget.Latest, true);
  const docs = new Map<string, Doc>();
  const visit = (node: ts.Expression, path: string): void => {
    if (ts.isCallExpression(node)) return node.arguments.forEach((arg) => visit(arg, path));
    if (!ts.isObjectLiteralExpression(node)) return;
    for (const property of node.properties) {
      if (!ts.isPropertyAssignment(property)) continue;
      const name =
        ts.isIdentifier(property.name) || ts.isStringLiteral(property.name) ? property.name.text : '';
      const doc = docOf(property, `${path}.${name}`);
      if (doc) docs.set(`${path}.${name}`, doc);
      visit(property.initializer, `${path}.${name}`);
    }
  };
  for (const statement of source.statements) {
    if (!ts.isVariableStatement(statement)) continue;
    for (const declaration of statement.declarationList.declarations) {
      if (!ts.isIdentifier(declaration.name) || !declaration.initializer) continue;
      const doc = docOf(statement, declaration.name.text);
      if (doc) docs.set(declaration.name.text, doc);
      visit(declaration.initializer, declaration.name.text);
    }
  }
  return docs;
}

const isPlain = (value: unknown): value is Json =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** `extra` merged into `base`: objects key by key, anything else replaced. */
function merge(base: Json, extra: Json | undefined): Json {
  const merged: Json = { ...base };
  for (const [key, value] of Object.entries(extra ?? {})) {
    merged[key] = isPlain(value) && isPlain(merged[key]) ? merge(merged[key], value) : value;
  }
  return merged;
}

/** The JSON Schema of the configuration document. */
export function buildSchema(docs = definitionDocs()): Json {
  const sections = new Map<object, string>();
  for (const [name, value] of Object.entries(definition)) {
    if (isPlain(value)) sections.set(value, name);
  }
  const defs: Json = {};

  function fieldSchema(field: Field, path: string): Json {
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
      case 'str':
        return {
          type: 'string',
          minLength: 1,
          ...(field.maxLength === undefined ? {} : { maxLength: field.maxLength }),
          ...(field.pattern ? { pattern: field.pattern.source } : {}),
        };
      case 'secret':
        return { $ref: '#/$defs/secretRef' };
      case 'list':
        return {
          type: 'array',
          minItems: field.min,
          uniqueItems: true,
          items: fieldSchema(field.items, path),
        };
      case 'obj': {
        const named = sections.get(field.fields);
        return named ? namedSection(named) : sectionSchema(field.fields, path);
      }
      case 'custom':
        return {};
    }
  }

  /** A named section: its schema with its own doc, under `$defs` when it is marked so. */
  function namedSection(name: string): Json {
    const doc = docs.get(name);
    const fields = (definition as unknown as Record<string, Fields>)[name];
    const schema = merge(
      { ...sectionSchema(fields, name), ...(doc?.text ? { description: doc.text } : {}) },
      doc?.schema,
    );
    if (!doc?.def) return schema;
    defs[doc.def] = schema;
    return { $ref: `#/$defs/${doc.def}` };
  }

  function sectionSchema(fields: Fields, path: string): Json {
    const properties: Record<string, Json> = {};
    const required: string[] = [];
    for (const [key, field] of Object.entries(fields)) {
      const doc = docs.get(`${path}.${key}`);
      properties[key] = {
        ...merge(fieldSchema(field, `${path}.${key}`), doc?.schema),
        ...(field.default === undefined || field.kind === 'obj' ? {} : { default: field.default }),
        ...(doc?.text ? { description: doc.text } : {}),
      };
      if (field.required) required.push(key);
    }
    return {
      type: 'object',
      additionalProperties: false,
      ...(required.length > 0 ? { required } : {}),
      properties,
    };
  }

  // A secret reference: exactly one source, and optionally jsonKey.
  const refDoc = docs.get('SECRET_REF');
  const ref = sectionSchema(definition.SECRET_REF, 'SECRET_REF').properties as Record<string, Json>;
  defs.secretRef = {
    description: refDoc?.text,
    oneOf: ['secretArn', 'file', 'env'].map((source) => ({
      type: 'object',
      required: [source],
      additionalProperties: false,
      properties: { [source]: ref[source], jsonKey: ref.jsonKey },
    })),
  };
  defs.hostname = {
    type: 'string',
    pattern: definition.SERVER_NAME.source,
    description: 'A DNS host name (no IP address, no port).',
  };
  // The security schemes: one variant per type.
  const types = Object.keys(definition.SCHEMES);
  const schemesDoc = docs.get('SCHEMES');
  defs[schemesDoc?.def ?? 'security'] = {
    description: schemesDoc?.text,
    type: 'object',
    required: ['type'],
    properties: { type: { enum: types } },
    oneOf: types.map((type) => {
      const section = sectionSchema((definition.SCHEMES as Record<string, Fields>)[type], `SCHEMES.${type}`);
      return merge(
        {
          ...section,
          properties: { type: { const: type }, ...(section.properties as Json) },
        },
        docs.get(`SCHEMES.${type}`)?.schema,
      );
    }),
  };
  const rootDoc = docs.get('ROOT');
  const root = sectionSchema(definition.ROOT, 'ROOT');
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://backend-link.example/gateway-runtime/config.schema.json',
    title: 'backend-link gateway runtime configuration',
    description:
      `${rootDoc?.text ?? ''} Generated from gateway-runtime/src/config/definition.ts (npm run generate:config-schema); gateway-runtime/src/config/validate.ts also checks what a schema can not (CIDR host bits, cross-field rules).`.trim(),
    ...root,
    $defs: defs,
  };
}

/** The file's text: two-space JSON, a final newline. */
export const schemaText = (schema: Json = buildSchema()): string => `${JSON.stringify(schema, null, 2)}\n`;

/** Writes config.schema.json, formatted as the repository's Prettier settings say (`npm run lint` checks it). */
async function main(): Promise<void> {
  const prettier = await import('prettier');
  const options = (await prettier.resolveConfig(SCHEMA_FILE)) ?? {};
  writeFileSync(SCHEMA_FILE, await prettier.format(schemaText(), { ...options, parser: 'json' }));
  console.log(`wrote ${SCHEMA_FILE}`);
}

if (require.main === module) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : error);
    process.exit(1);
  });
}
