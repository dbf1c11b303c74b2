/** The parts of joyent's http-signature (no published types) that the tests use as an independent verifier. */
declare module 'http-signature' {
  import type { IncomingMessage } from 'node:http';

  export interface ParsedSignature {
    readonly scheme: string;
    readonly algorithm: string;
    readonly keyId: string;
    readonly signingString: string;
    readonly params: { readonly headers: string[]; readonly signature: string; readonly algorithm: string };
  }
  export function parseRequest(
    request: IncomingMessage,
    options?: { headers?: string[]; clockSkew?: number; strict?: boolean },
  ): ParsedSignature;
  export function verifyHMAC(parsed: ParsedSignature, secret: string | Buffer): boolean;
  export function verifySignature(parsed: ParsedSignature, publicKeyPem: string): boolean;
}

declare module 'http-signature/lib/utils' {
  /** The hash algorithms the verifier accepts (sha1, sha256, sha512 out of the box). */
  export const HASH_ALGOS: Record<string, boolean>;
}
