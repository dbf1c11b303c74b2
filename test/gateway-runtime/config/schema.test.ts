import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ROOT_FIELDS,
  SCHEME_FIELDS,
  SECURITY_SCHEME_TYPES,
  SecuritySchemeType,
  validateConfig,
} from '../../../gateway-runtime/src/config';
import { buildSchema } from '../../../scripts/generate-config-schema';
import { checkSchema, compileSchema } from './support/json-schema';
import { doc, INVALID_BOTH, INVALID_VALIDATOR_ONLY, VALID_SCHEMES } from './support/samples';

const runtimeDir = join(__dirname, '../../../gateway-runtime');
const schema = JSON.parse(readFileSync(join(runtimeDir, 'config.schema.json'), 'utf8')) as Record<
  string,
  unknown
>;
const schemeVariants = (
  schema.$defs as { security: { oneOf: Array<{ properties: Record<string, { const?: string }> }> } }
).security.oneOf;

const examplesDir = join(runtimeDir, 'examples');
const exampleFiles = readdirSync(examplesDir).filter((f) => f.endsWith('.json'));
const examples = exampleFiles.map(
  (f) => [f, JSON.parse(readFileSync(join(examplesDir, f), 'utf8'))] as const,
);

/** The ```json blocks of the README that are configuration documents. */
const readmeDocs = [
  ...readFileSync(join(runtimeDir, 'README.md'), 'utf8').matchAll(/```json\n([\s\S]*?)```/g),
]
  .map((m) => JSON.parse(m[1]) as Record<string, unknown>)
  .filter((d) => 'version' in d);

const validatorAccepts = (input: unknown): boolean => {
  try {
    validateConfig(input);
    return true;
  } catch {
    return false;
  }
};

describe('config.schema.json', () => {
  test('GIVEN the schema WHEN compiled by ajv in strict mode THEN every keyword is known', () => {
    expect(() => compileSchema(schema)).not.toThrow();
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  test('GIVEN the definition WHEN the schema is generated THEN the committed config.schema.json is that schema (npm run generate:config-schema)', () => {
    expect(schema).toEqual(buildSchema());
  });

  test('GIVEN the TS union WHEN compared with the schema THEN every scheme type appears in both', () => {
    // A compile-time check: this list must name every member of the SecurityScheme union.
    const fromUnion: Record<SecuritySchemeType, true> = {
      none: true,
      basic: true,
      digest: true,
      token: true,
      signature: true,
      'message-signature': true,
      'oauth2-client-credentials': true,
      sigv4: true,
    };
    const typeEnum = (schema.$defs as { security: { properties: { type: { enum: string[] } } } }).security
      .properties.type.enum;
    const variantTypes = schemeVariants.map((v) => v.properties.type.const);
    expect([...SECURITY_SCHEME_TYPES].sort()).toEqual(Object.keys(fromUnion).sort());
    expect([...typeEnum].sort()).toEqual(Object.keys(fromUnion).sort());
    expect([...variantTypes].sort()).toEqual(Object.keys(fromUnion).sort());
  });

  test.each(SECURITY_SCHEME_TYPES)(
    'GIVEN scheme %s WHEN compared THEN schema and validator allow the same fields',
    (type) => {
      const variant = schemeVariants.find((v) => v.properties.type.const === type);
      expect(Object.keys(variant?.properties ?? {}).sort()).toEqual([...SCHEME_FIELDS[type]].sort());
    },
  );

  test('GIVEN the root WHEN compared THEN schema and validator allow the same top-level fields', () => {
    expect(Object.keys(schema.properties as object).sort()).toEqual([...ROOT_FIELDS].sort());
  });

  test.each(VALID_SCHEMES)(
    'GIVEN scheme %s WHEN checked THEN validator and schema both accept it',
    (_, security) => {
      const input = doc(security);
      expect(validatorAccepts(input)).toBe(true);
      expect(checkSchema(schema, input)).toEqual([]);
    },
  );

  test.each(INVALID_BOTH)('fails when %s, in the validator and in the schema', (_, input) => {
    const plain = JSON.parse(JSON.stringify(input));
    expect(validatorAccepts(plain)).toBe(false);
    expect(checkSchema(schema, plain)).not.toEqual([]);
  });

  test.each(INVALID_VALIDATOR_ONLY)(
    'fails when %s, in the validator only (the schema can not express the rule)',
    (_, input) => {
      expect(validatorAccepts(input)).toBe(false);
      expect(checkSchema(schema, input)).toEqual([]);
    },
  );
});

describe('documented examples', () => {
  test('GIVEN the examples directory THEN there is one example per scheme, plus mutual TLS', () => {
    const types = new Set(examples.map(([, d]) => (d as { security: { type: string } }).security.type));
    expect([...types].sort()).toEqual([...SECURITY_SCHEME_TYPES].sort());
    expect(examples.some(([, d]) => d.backend.tls?.clientCertificate !== undefined)).toBe(true);
    expect(examples.some(([, d]) => d.trustedSources !== undefined)).toBe(true);
  });

  test.each(examples)('GIVEN examples/%s WHEN checked THEN validator and schema accept it', (_, example) => {
    expect(validateConfig(example)).toBe(example);
    expect(checkSchema(schema, example)).toEqual([]);
  });

  test.each(examples)('GIVEN examples/%s THEN the README shows it verbatim', (_, example) => {
    expect(readmeDocs).toContainEqual(example);
  });

  test('GIVEN the README WHEN its JSON documents are checked THEN validator and schema accept each', () => {
    expect(readmeDocs.length).toBeGreaterThanOrEqual(examples.length);
    for (const readmeDoc of readmeDocs) {
      expect(validateConfig(readmeDoc)).toBe(readmeDoc);
      expect(checkSchema(schema, readmeDoc)).toEqual([]);
    }
  });
});
