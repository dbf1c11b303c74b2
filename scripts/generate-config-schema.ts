/**
 * Writes gateway-runtime/config.schema.json from the configuration's definition
 * (gateway-runtime/src/config/definition.ts and config.schema.parts.json). A test fails when the
 * committed file differs from what this writes.
 *
 *   npm run generate:config-schema
 */
import { writeFileSync } from 'node:fs';
import { SCHEMA_FILE, schemaText } from '../gateway-runtime/src/config/json-schema';

writeFileSync(SCHEMA_FILE, schemaText());
console.log(`wrote ${SCHEMA_FILE}`);
