/**
 * The one function the message-signature tests use from `structured-headers` (RFC 8941 parsing). Its
 * own types are behind package.json "exports", which this repository's moduleResolution does not read.
 */
declare module 'structured-headers' {
  /** A dictionary: member name → [bare item, parameters]; a byte sequence is an ArrayBuffer. */
  export function parseDictionary(input: string): Map<string, [unknown, Map<string, unknown>]>;
}
