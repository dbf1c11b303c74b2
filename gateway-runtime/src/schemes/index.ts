/** The scheme factory: one AuthScheme per configured security scheme. */
import type { ResolvedSecurityScheme } from '../config/resolve';
import { ConfigError } from '../core/errors';
import { createBasicScheme } from './basic';
import { createDigestScheme } from './digest';
import { createMessageSignatureScheme } from './message-signature';
import { createOAuth2Scheme } from './oauth2';
import { createSignatureScheme } from './signature';
import { createSigV4Scheme } from './sigv4';
import { createTokenScheme } from './token';
import type { AuthScheme, CallingOutSchemeContext } from './types';

export type {
  AuthScheme,
  BackendResponseInfo,
  CallingOutSchemeContext,
  OutgoingRequest,
  SchemeContext,
  SentRequest,
} from './types';

/** No backend credentials: requests go as they are (after header filtering). */
export function createNoneScheme(): AuthScheme {
  return { type: 'none', mayRetry: false, needsBody: false, headerNames: [], authorize: async () => ({}) };
}

export function createAuthScheme(scheme: ResolvedSecurityScheme, ctx: CallingOutSchemeContext): AuthScheme {
  switch (scheme.type) {
    case 'none':
      return createNoneScheme();
    case 'basic':
      return createBasicScheme(scheme, ctx);
    case 'digest':
      return createDigestScheme(scheme, ctx);
    case 'token':
      return createTokenScheme(scheme, ctx);
    case 'signature':
      return createSignatureScheme(scheme, ctx);
    case 'oauth2-client-credentials':
      return createOAuth2Scheme(scheme, ctx);
    case 'message-signature':
      return createMessageSignatureScheme(scheme, ctx);
    case 'sigv4':
      return createSigV4Scheme(scheme, ctx);
    default: {
      const unknown: never = scheme;
      throw new ConfigError([
        {
          path: 'security.type',
          message: `${JSON.stringify((unknown as { type: unknown }).type)} is not supported`,
        },
      ]);
    }
  }
}
