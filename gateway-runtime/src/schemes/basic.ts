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

/** An inline value, or a secret's value when the resolver has it at hand (resolveNow); else undefined. */
export function stringOrSecretNow(value: StringOrSecret, secrets: SecretResolver): string | undefined {
  return typeof value === 'string' ? value : secrets.resolveNow?.(value)?.value;
}

export function createBasicScheme(config: BasicSchemeConfig, ctx: SchemeContext): AuthScheme {
  /** The header for the credentials last seen: it changes only when a secret rotates. */
  let last: { username: string; password: string; header: string } | undefined;
  const headers = (username: string, password: string): Record<string, string> => {
    if (username.includes(':')) {
      // RFC 7617 §2: the user-id can not contain a colon. Say so without showing the value.
      throw new CredentialsUnavailableError('security.username contains ":", which Basic can not carry');
    }
    if (last?.username !== username || last.password !== password) {
      const header = `Basic ${Buffer.from(`${username}:${password}`, 'utf8').toString('base64')}`;
      last = { username, password, header };
    }
    return { authorization: last.header };
  };
  return {
    type: 'basic',
    mayRetry: false,
    needsBody: false,
    headerNames: ['authorization'],
    authorize() {
      // Both at hand (inline, or cached and unchanged): the header at once, without a promise.
      const username = stringOrSecretNow(config.username, ctx.secrets);
      const password = username === undefined ? undefined : stringOrSecretNow(config.password, ctx.secrets);
      if (username !== undefined && password !== undefined) return headers(username, password);
      return (async () =>
        headers(
          await resolveStringOrSecret(config.username, ctx.secrets, 'security.username'),
          await resolveStringOrSecret(config.password, ctx.secrets, 'security.password'),
        ))();
    },
  };
}
