/**
 * The secret references of a configuration document, found by their shape (an object with one of
 * `secretArn`, `file`, `env` and at most `jsonKey` beside it), wherever the document holds one: the
 * scheme's secrets, `backend.tls`, `security.tokenEndpointTls`, `server.tls`. A new secret field is
 * found without being listed here.
 */
import { isAbsolute, resolve } from 'node:path';
import type { SecretRef } from './types';

/** One reference and where it is in the document (`security.password`, `backend.tls.clientCertificate.key`). */
export interface SecretRefAt {
  readonly path: string;
  readonly ref: SecretRef;
}

const SOURCES = ['secretArn', 'file', 'env'] as const;
/** Maps of plain strings whose keys are the caller's (`{ "env": "prod" }` is a parameter, not a reference). */
const NOT_REFERENCES = new Set(['extraParams', 'pinned']);

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** True for `{ secretArn | file | env: string, jsonKey?: string }`. */
export function isSecretRef(value: unknown): value is SecretRef {
  if (!isPlainObject(value)) return false;
  const keys = Object.keys(value);
  const sources = keys.filter((key) => (SOURCES as readonly string[]).includes(key));
  return (
    sources.length === 1 &&
    typeof value[sources[0]] === 'string' &&
    keys.every((key) => key === sources[0] || key === 'jsonKey')
  );
}

/** Every secret reference of the document, in document order. */
export function secretRefsOf(doc: unknown): SecretRefAt[] {
  const found: SecretRefAt[] = [];
  const walk = (value: unknown, path: string) => {
    if (isSecretRef(value)) {
      found.push({ path, ref: value });
      return;
    }
    if (Array.isArray(value)) value.forEach((item, i) => walk(item, `${path}[${i}]`));
    else if (isPlainObject(value)) {
      for (const [key, child] of Object.entries(value)) {
        if (!NOT_REFERENCES.has(key)) walk(child, path ? `${path}.${key}` : key);
      }
    }
  };
  walk(doc, '');
  return found;
}

/**
 * The document with every relative `{ "file": ... }` path made absolute against `baseDir` (the
 * configuration file's directory, as an editor resolves `$schema`), so the gateway reads the same files
 * whatever its working directory. The input is not changed.
 */
export function withFilesRelativeTo<T>(doc: T, baseDir: string): T {
  const map = (value: unknown): unknown => {
    if (isSecretRef(value)) {
      return 'file' in value && !isAbsolute(value.file)
        ? { ...value, file: resolve(baseDir, value.file) }
        : value;
    }
    if (Array.isArray(value)) return value.map(map);
    if (isPlainObject(value)) {
      return Object.fromEntries(
        Object.entries(value).map(([k, v]) => [k, NOT_REFERENCES.has(k) ? v : map(v)]),
      );
    }
    return value;
  };
  return map(doc) as T;
}
