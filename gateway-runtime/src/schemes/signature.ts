/**
 * Request signing, draft-cavage-http-signatures-10: hmac-sha256/384/512, rsa-sha256, and hmac-sha1 only
 * when the configuration marks it as legacy (the validator enforces that; this module re-checks it).
 */
import { createHmac, createPrivateKey, createSecretKey, createSign, KeyObject } from 'node:crypto';
import type { ResolvedScheme } from '../config/resolve';
import type { SecurityScheme } from '../config/types';
import { BadRequestError, ConfigError, CredentialsUnavailableError } from '../core/errors';
import {
  bodyDigest,
  hostHeader,
  imfFixdate,
  MissingSignedHeaderError,
  signatureParams,
  signingString,
} from './signature-string';
import type { AuthScheme, OutgoingRequest, SchemeContext } from './types';

export type SignatureSchemeConfig = Extract<SecurityScheme, { type: 'signature' }>;

const HMAC_HASHES: Readonly<Record<string, string>> = {
  'hmac-sha1': 'sha1',
  'hmac-sha256': 'sha256',
  'hmac-sha384': 'sha384',
  'hmac-sha512': 'sha512',
};

export function createSignatureScheme(
  config: ResolvedScheme<SignatureSchemeConfig>,
  ctx: SchemeContext,
): AuthScheme {
  if (config.algorithm === 'hmac-sha1' && config.legacySha1 !== true) {
    throw new ConfigError([{ path: 'security.algorithm', message: '"hmac-sha1" needs "legacySha1": true' }]);
  }
  const { headers: signed, headerName } = config;
  if (!signed.includes('(request-target)')) {
    throw new ConfigError([{ path: 'security.headers', message: 'must include "(request-target)"' }]);
  }
  const now = ctx.now ?? Date.now;
  const signsDigest = signed.includes('digest');
  const signsHost = signed.includes('host');
  /** The parsed key (RSA, or the HMAC secret as a KeyObject), kept while the secret's version stays the same. */
  let parsedKey: { version: string; key: KeyObject } | undefined;
  /** The Date value of the current second: it changes once a second, not per request. */
  let date = { second: NaN, text: '' };
  const dateNow = (): string => {
    const ms = now();
    const second = Math.floor(ms / 1000);
    if (second !== date.second) date = { second, text: imfFixdate(ms) };
    return date.text;
  };
  /** Everything of the parameters but the signature: the same on every request. */
  const paramsPrefix = signatureParams({
    keyId: config.keyId,
    algorithm: config.algorithm,
    headers: signed,
    signature: '',
  }).slice(0, -'""'.length);

  const sign = async (text: string): Promise<string> => {
    const secret = await ctx.secrets.resolve(config.key);
    if (config.algorithm === 'rsa-sha256') {
      if (parsedKey?.version !== secret.version) {
        parsedKey = { version: secret.version, key: parseRsaKey(secret.value) };
      }
      return createSign('sha256').update(text).sign(parsedKey.key, 'base64');
    }
    if (secret.value.length === 0) {
      throw new CredentialsUnavailableError('the signature HMAC secret is empty');
    }
    if (parsedKey?.version !== secret.version) {
      parsedKey = { version: secret.version, key: createSecretKey(secret.value, 'utf8') };
    }
    return createHmac(HMAC_HASHES[config.algorithm], parsedKey.key).update(text).digest('base64');
  };

  return {
    type: 'signature',
    mayRetry: false,
    needsBody: signsDigest,
    headerNames: signsDigest ? [headerName, 'digest'] : [headerName],
    async authorize(request: OutgoingRequest): Promise<Record<string, string>> {
      const added: Record<string, string> = {};
      if (request.headers.date === undefined) added.date = dateNow();
      if (signsHost && request.headers.host === undefined) added.host = hostHeader(request.url);
      if (signsDigest) added.digest = bodyDigest(request.body);
      let text: string;
      try {
        text = signingString(signed, {
          method: request.method,
          url: request.url,
          headers: { ...request.headers, ...added },
        });
      } catch (error) {
        if (error instanceof MissingSignedHeaderError) throw new BadRequestError(error.message);
        throw error;
      }
      const params = `${paramsPrefix}"${await sign(text)}"`;
      added[headerName] = headerName === 'authorization' ? `Signature ${params}` : params;
      return added;
    },
  };
}

function parseRsaKey(pem: string): KeyObject {
  let key: KeyObject;
  try {
    key = createPrivateKey(pem);
  } catch {
    // The parser's message may quote the input: never pass it on.
    throw new CredentialsUnavailableError('the signature key is not a readable private key (PEM)');
  }
  if (key.asymmetricKeyType !== 'rsa') {
    throw new CredentialsUnavailableError(
      `the signature key is a ${key.asymmetricKeyType ?? 'unknown'} key, but rsa-sha256 needs an RSA key`,
    );
  }
  return key;
}
