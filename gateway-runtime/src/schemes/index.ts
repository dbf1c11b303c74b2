/** The scheme factory: one AuthScheme per configured security scheme. */
import type { SecurityScheme } from '../config/types';
import { createBasicScheme } from './basic';
import { createDigestScheme } from './digest';
import { createSignatureScheme } from './signature';
import { createTokenScheme } from './token';
import type { AuthScheme, SchemeContext } from './types';

export type { AuthScheme, BackendResponseInfo, OutgoingRequest, SchemeContext } from './types';

/** No backend credentials: requests go as they are (after header filtering). */
export function createNoneScheme(): AuthScheme {
  return { type: 'none', mayRetry: false, needsBody: false, authorize: async () => ({}) };
}

export function createAuthScheme(scheme: SecurityScheme, ctx: SchemeContext): AuthScheme {
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
    // LEAD: wire oauth2 (createOAuth2Scheme from './oauth2') when it lands.
    case 'oauth2-client-credentials':
      throw new Error(`security.type "${scheme.type}" is not available in this build of the gateway runtime`);
    default: {
      const unknown: never = scheme;
      throw new Error(
        `security.type ${JSON.stringify((unknown as { type: unknown }).type)} is not supported`,
      );
    }
  }
}
