/** A token from a secret, in a configurable header with an optional prefix (`Authorization: Bearer …`, `X-Api-Key: …`). */
import type { ResolvedScheme } from '../config/resolve';
import type { SecurityScheme } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';
import type { AuthScheme, SchemeContext } from './types';

export type TokenSchemeConfig = Extract<SecurityScheme, { type: 'token' }>;

/** Visible ASCII, space and tab, and obs-text: what a header field value may hold (RFC 9110 §5.5). */
const FIELD_VALUE = /^[\t\x20-\x7e\x80-\xff]*$/;

export function createTokenScheme(config: ResolvedScheme<TokenSchemeConfig>, ctx: SchemeContext): AuthScheme {
  const header = config.header.toLowerCase();
  const prefix = config.prefix;
  return {
    type: 'token',
    mayRetry: false,
    needsBody: false,
    headerNames: [header],
    authorize() {
      // Read through the resolver every time: it caches, and picks up a rotated token when its cache
      // expires (at once when it has the value at hand, else through `resolve`). The resolver already
      // removed a trailing line break (one rule for every secret).
      const now = ctx.secrets.resolveNow?.(config.token);
      if (now !== undefined) return headersFor(now.value);
      return ctx.secrets.resolve(config.token).then((secret) => headersFor(secret.value));
    },
  };

  function headersFor(token: string): Record<string, string> {
    if (token.trim().length === 0) throw new CredentialsUnavailableError('the token secret is empty');
    if (!FIELD_VALUE.test(token)) {
      throw new CredentialsUnavailableError(
        'the token secret contains characters a header value can not hold (control characters or line breaks)',
      );
    }
    return { [header]: `${prefix}${token}` };
  }
}
