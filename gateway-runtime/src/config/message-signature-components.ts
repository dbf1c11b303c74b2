/**
 * The grammar of an RFC 9421 covered component identifier, and the sf-key and sf-string rules of the
 * signature's label, keyid and tag: shared by the configuration's validator and the message-signature
 * scheme (schemes/message-signature-base.ts re-exports it). Kept here, apart from the scheme, so the
 * validator does not pull the scheme into a bundle that does not sign with it.
 */
import { HOP_BY_HOP_HEADERS } from '../core/headers';

/** A covered component: its name (a derived `@…` name or a lower-case field name) and its parameters. */
export interface ComponentId {
  readonly name: string;
  /** Only `name` (for `@query-param`) is supported. */
  readonly param?: { readonly key: 'name'; readonly value: string };
  /** The identifier as serialised in the base and in Signature-Input, e.g. `"@query-param";name="Pet"`. */
  readonly serialized: string;
}

/** The derived components (RFC 9421 §2.2) a request signer can cover. `@status` is for responses. */
export const DERIVED_COMPONENTS: ReadonlySet<string> = new Set([
  '@method',
  '@target-uri',
  '@authority',
  '@scheme',
  '@request-target',
  '@path',
  '@query',
  '@query-param',
]);

/** A field name (RFC 9110 §5.1 token), lower case as RFC 9421 §2.1 requires. */
const FIELD_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;
/** An sf-key (RFC 8941 §3.1.2): the form of a signature label. */
export const SF_KEY = /^[a-z*][a-z0-9_\-.*]*$/;
/** What an sf-string may hold (RFC 8941 §3.3.3): printable ASCII. */
export const SF_STRING = /^[\x20-\x7e]*$/;

/** True when `value` can be an sf-string (keyid, nonce, tag, a query parameter's name). */
export function isSfString(value: string): boolean {
  return SF_STRING.test(value);
}

/** An sf-string: `"…"` with `\` and `"` escaped. The caller checked isSfString. */
export function sfString(value: string): string {
  return `"${value.replace(/[\\"]/g, '\\$&')}"`;
}

/** Thrown for a component identifier that this signer can not sign; `message` says why. */
export class ComponentIdError extends Error {
  public override readonly name = 'ComponentIdError';
}

/**
 * Parses one configured component identifier: `@method`, `content-type`, or `@query-param;name="Pet"`
 * (the quotes around the name may be left off: `@query-param;name=Pet`). Throws ComponentIdError.
 */
export function parseComponentId(text: string): ComponentId {
  const [rawName, ...params] = text.split(';');
  const name = rawName.trim();
  if (name.startsWith('@')) {
    if (name === '@signature-params' || name === '@status') {
      throw new ComponentIdError(`"${name}" can not be covered by a request signature`);
    }
    if (!DERIVED_COMPONENTS.has(name)) {
      throw new ComponentIdError(
        `"${name}" is not a derived component (one of ${[...DERIVED_COMPONENTS].join(', ')})`,
      );
    }
  } else if (!FIELD_NAME.test(name)) {
    throw new ComponentIdError(`"${name}" is not a lower-case HTTP field name`);
  }
  if (name === '@query-param') {
    const match = params.length === 1 ? /^\s*name=(?:"([^"\\]*)"|([^"\s]+))\s*$/.exec(params[0]) : null;
    const value = match?.[1] ?? match?.[2];
    if (value === undefined || value.length === 0 || !isSfString(value)) {
      throw new ComponentIdError('"@query-param" needs one parameter name="…" (the query parameter)');
    }
    return { name, param: { key: 'name', value }, serialized: `${sfString(name)};name=${sfString(value)}` };
  }
  if (params.length > 0) {
    throw new ComponentIdError(
      `"${text}": component parameters (sf, key, bs, req, tr) are not supported; only @query-param takes name`,
    );
  }
  return { name, serialized: sfString(name) };
}

/** Headers set after the signature, by the HTTP client (framing) or by the scheme itself: never covered. */
export const NOT_COVERABLE_COMPONENTS: ReadonlySet<string> = new Set([
  ...HOP_BY_HOP_HEADERS,
  'expect',
  'signature',
  'signature-input',
]);

/**
 * Why a list of configured components can not be signed, one message per index (a component the grammar
 * refuses, one set after signing, one listed twice, RFC 9421 §2.5); empty when every one is sound.
 */
export function componentListProblems(components: readonly string[]): { index: number; message: string }[] {
  const problems: { index: number; message: string }[] = [];
  const seen = new Set<string>();
  components.forEach((text, index) => {
    let component: ComponentId;
    try {
      component = parseComponentId(text);
    } catch (error) {
      if (!(error instanceof ComponentIdError)) throw error;
      problems.push({ index, message: error.message });
      return;
    }
    if (NOT_COVERABLE_COMPONENTS.has(component.name)) {
      problems.push({
        index,
        message: `"${text}" can not be covered: it is set after signing, by the HTTP client or this scheme (cover content-digest for the body)`,
      });
    }
    if (seen.has(component.serialized))
      problems.push({ index, message: `"${text}" is listed twice (RFC 9421 §2.5)` });
    seen.add(component.serialized);
  });
  return problems;
}
