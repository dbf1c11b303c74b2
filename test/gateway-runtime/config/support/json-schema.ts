/** config.schema.json checked by a real JSON Schema (draft 2020-12) validator, ajv. */
import Ajv2020, { ValidateFunction } from 'ajv/dist/2020';

const compiled = new WeakMap<object, ValidateFunction>();

/** Compiles the schema (strict: an unknown keyword or format fails) or throws. */
export function compileSchema(schema: object): ValidateFunction {
  let validate = compiled.get(schema);
  if (!validate) {
    validate = new Ajv2020({
      strict: true,
      strictRequired: false,
      strictTypes: false,
      allErrors: true,
    }).compile(schema);
    compiled.set(schema, validate);
  }
  return validate;
}

/** The schema's problems with a document (`instancePath message`), or [] when it is valid. */
export function checkSchema(schema: object, input: unknown): string[] {
  const validate = compileSchema(schema);
  return validate(input) ? [] : (validate.errors ?? []).map((e) => `${e.instancePath} ${e.message ?? ''}`);
}
