/** HTTP Basic authentication (RFC 7617): `Authorization: Basic base64(user:password)`, UTF-8. */
import type { SecurityScheme, StringOrSecret } from '../config/types';
import { CredentialsUnavailableError, GatewayError } from '../core/errors';
import type { SecretResolver } from '../secrets/types';
import type { AuthScheme, SchemeContext } from './types';

export type BasicSchemeConfig = Extract<SecurityScheme, { type: 'basic' }>;

/** An inline value as is, a reference through the resolver. Failures become CredentialsUnavailableError. */
export async function resolveStringOrSecret(
  value: StringOrSecret,
  secrets: SecretResolver,
  what: string,
): Promise<string> {
  if (typeof value === 'string') return value;
  try {
    return (await secrets.resolve(value)).value;
  } catch (error) {
    if (error instanceof GatewayError) throw error;
    throw new CredentialsUnavailableError(`${what} can not be read`, { cause: error });
  }
}

export function createBasicScheme(config: BasicSchemeConfig, ctx: SchemeContext): AuthScheme {
  return {
    type: 'basic',
    mayRetry: false,
    needsBody: false,
    headerNames: ['authorization'],
    async authorize() {
      const username = await resolveStringOrSecret(config.username, ctx.secrets, 'security.username');
      const password = await resolveStringOrSecret(config.password, ctx.secrets, 'security.password');
      if (username.includes(':')) {
        // RFC 7617 §2: the user-id can not contain a colon. Say so without showing the value.
        throw new CredentialsUnavailableError('security.username contains ":", which Basic can not carry');
      }
      return { authorization: `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}` };
    },
  };
}
