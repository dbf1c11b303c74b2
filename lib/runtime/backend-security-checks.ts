/**
 * The checks of the `BackendSecurity` builders: pure functions that return the problems of one builder call's
 * props, each named as the user wrote it in that call (`tokenUrl`, `credentials`, `header`). The builders never
 * throw: the `BackendSecurity` they return carries these problems, and `CustomerBackendLink` reports them under
 * `security.<prop>` in the same synth as its other problems (`customer-backend-link-checks.ts`).
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { schemeHeaderProblem } from '../../gateway-runtime/src/core/headers';
import { publicJwks } from '../../gateway-runtime/src/schemes/message-signature-jwks';
import { showUnparsedUrl } from '../../gateway-runtime/src/config/validate';
import { secretSourceProblem } from '../secrets/secret-source';
import { problemOfSentence } from '../shared/problem-list';
import type { Problem } from '../shared/problems';
import { isUnresolved } from '../shared/validation';

/** RFC 9110 §5.6.2 token: the syntax of a header name. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;

/**
 * The field of the runtime configuration each builder prop that is checked here becomes. The runtime's validator
 * checks that field again in the link's checks: a problem found here is not reported a second time from there.
 * (Secret sources become secret references, which the validator never sees as the user wrote them.)
 */
export const RUNTIME_CONFIG_PATH_OF_PROP: Readonly<Record<string, string>> = {
  tokenUrl: 'security.tokenUrl',
  header: 'security.header',
};

/**
 * The problems of the secret sources among `props` (`[prop, optional]`): a value that is not a SecretSource (a
 * plain string from JavaScript or through a cast would otherwise become an empty fill-after-deploy secret). The
 * value is never shown: it is most likely the secret itself.
 */
export function secretSourceProblems(
  props: unknown,
  sources: ReadonlyArray<readonly [prop: string, optional: boolean]>,
): Problem[] {
  const values = typeof props === 'object' && props !== null ? (props as Record<string, unknown>) : {};
  return sources.flatMap(([prop, optional]) => {
    const sentence = secretSourceProblem(prop, values[prop], { optional });
    return sentence ? [{ ...problemOfSentence(sentence), secret: true }] : [];
  });
}

/**
 * Why `tokenUrl` can not be used. The text is never shown when it may hold credentials (a URL with
 * `user:password@`), so a pasted secret does not end up in CI logs.
 */
export function tokenUrlProblems(tokenUrl: unknown): Problem[] {
  const prop = 'tokenUrl';
  if (typeof tokenUrl !== 'string') {
    return [{ prop, message: 'is required: the https:// URL of the token endpoint' }];
  }
  if (isUnresolved(tokenUrl)) return [];
  let url: URL;
  try {
    url = new URL(tokenUrl);
  } catch {
    return [
      tokenUrl.includes('@')
        ? { prop, secret: true, message: `${showUnparsedUrl(tokenUrl)} is not an absolute URL` }
        : { prop, value: tokenUrl, message: 'is not an absolute URL' },
    ];
  }
  if (url.username !== '' || url.password !== '') {
    return [
      {
        prop,
        secret: true,
        message:
          'must not contain credentials (user:password@; the URL is not shown): the client secret is a secret source',
      },
    ];
  }
  if (url.protocol !== 'https:') {
    // The origin only: the path and query are not needed to see the mistake.
    return [{ prop, value: url.origin, message: 'must use https://: the client secret is sent to it' }];
  }
  return [];
}

/** Why `header` can not carry the token (a header the gateway manages, or not a header name at all). */
export function tokenHeaderProblems(header: unknown): Problem[] {
  if (header === undefined || isUnresolved(header)) return [];
  if (typeof header !== 'string' || !HEADER_NAME.test(header)) {
    return [{ prop: 'header', value: header, message: 'is not a valid header name (RFC 9110 token)' }];
  }
  const problem = schemeHeaderProblem(header);
  return problem
    ? [{ prop: 'header', value: header, message: `can not carry the token: it ${problem}` }]
    : [];
}

/** The problems of `BackendSecurity.basic(props)` and `.digest(props)`. */
export function checkBasicAuthProps(props: unknown): Problem[] {
  return secretSourceProblems(props, [['credentials', false]]);
}

/** The problems of `BackendSecurity.token(props)`. */
export function checkTokenAuthProps(props: unknown): Problem[] {
  return [
    ...secretSourceProblems(props, [['token', false]]),
    ...tokenHeaderProblems(fieldOf(props, 'header')),
  ];
}

/** The problems of `BackendSecurity.requestSigning(props)` (the rest is the runtime validator's). */
export function checkRequestSigningProps(props: unknown): Problem[] {
  return secretSourceProblems(props, [['key', false]]);
}

/** The problems of `BackendSecurity.oauth2ClientCredentials(props)`. */
export function checkOAuth2ClientCredentialsProps(props: unknown): Problem[] {
  return [
    ...tokenUrlProblems(fieldOf(props, 'tokenUrl')),
    ...secretSourceProblems(props, [
      ['clientSecret', false],
      ['tokenEndpointCa', true],
    ]),
  ];
}

/** The problems of `BackendSecurity.messageSignature(props)` (the other props are the runtime validator's). */
export function checkMessageSignatureProps(props: unknown): Problem[] {
  const algorithm = fieldOf(props, 'algorithm') ?? 'ed25519';
  const found = secretSourceProblems(props, [['key', false]]);
  const publicKey = fieldOf(props, 'publicKey');
  if (publicKey !== undefined && !isUnresolved(publicKey)) {
    const problem = messageSignaturePublicKey(publicKey, algorithm);
    if (typeof problem === 'object' && !(problem instanceof KeyObject)) found.push(problem);
  }
  return found;
}

/** What each public-key algorithm of message-signature needs of the key. */
const PUBLIC_KEY_NEEDS: Readonly<Record<string, string>> = {
  ed25519: 'an Ed25519 key',
  'ecdsa-p256-sha256': 'an EC key on P-256',
  'rsa-pss-sha512': 'an RSA key of 2048 bits or more',
};

/**
 * `publicKey` of `BackendSecurity.messageSignature` as a key that fits `algorithm`, or the problem with it:
 * not a string, a private key (never shown), not a PEM public key, the wrong type or size, or given for
 * hmac-sha256. Undefined for an algorithm that is not one of the four (the runtime's validator reports it).
 */
export function messageSignaturePublicKey(
  publicKey: unknown,
  algorithm: unknown,
): KeyObject | Problem | undefined {
  const prop = 'publicKey';
  if (algorithm === 'hmac-sha256') {
    return {
      prop,
      message:
        'is given, but hmac-sha256 has no public key: the shared secret is exchanged out of band; remove publicKey',
    };
  }
  if (typeof algorithm !== 'string' || PUBLIC_KEY_NEEDS[algorithm] === undefined) return undefined;
  if (typeof publicKey !== 'string') {
    return { prop, message: `must be a PEM public key (a string), got ${typeOf(publicKey)}` };
  }
  if (/PRIVATE KEY-----/.test(publicKey)) {
    return {
      prop,
      secret: true,
      message:
        'is a private key (not shown): give its public key (openssl pkey -in key.pem -pubout); the private key belongs in the secret `key` only',
    };
  }
  let key: KeyObject;
  try {
    key = createPublicKey(publicKey);
  } catch {
    return {
      prop,
      message: 'is not a PEM public key (SubjectPublicKeyInfo, "-----BEGIN PUBLIC KEY-----"; not shown)',
    };
  }
  const type = key.asymmetricKeyType ?? 'unknown';
  const details = key.asymmetricKeyDetails ?? {};
  const fits =
    algorithm === 'ed25519'
      ? type === 'ed25519'
      : algorithm === 'ecdsa-p256-sha256'
        ? type === 'ec' && details.namedCurve === 'prime256v1'
        : (type === 'rsa' || type === 'rsa-pss') && (details.modulusLength ?? 0) >= 2048;
  if (!fits) {
    const what =
      type === 'ec'
        ? `an EC key on ${details.namedCurve ?? 'an unknown curve'}`
        : type === 'rsa' || type === 'rsa-pss'
          ? `an RSA key of ${details.modulusLength ?? '?'} bits`
          : `a key of type ${type}`;
    return { prop, message: `is ${what}, but ${algorithm} needs ${PUBLIC_KEY_NEEDS[algorithm]}` };
  }
  return key;
}

/**
 * The JWKS (JSON text) the handoff publishes for `publicKey`, with `kid` the signatures' keyid; undefined when
 * there is no sound public key to publish (none given, hmac-sha256, a problem reported by the checks).
 */
export function publicKeyJwks(publicKey: unknown, keyId: unknown, algorithm: unknown): string | undefined {
  if (publicKey === undefined || isUnresolved(publicKey) || typeof keyId !== 'string' || keyId === '') {
    return undefined;
  }
  const key = messageSignaturePublicKey(publicKey, algorithm);
  return key instanceof KeyObject ? JSON.stringify(publicJwks(key, keyId)) : undefined;
}

function typeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `a ${typeof value}`;
}

/** The problems of `.withMutualTls(props)`. */
export function checkMutualTlsProps(props: unknown): Problem[] {
  return secretSourceProblems(props, [
    ['clientCertificate', false],
    ['backendCa', true],
  ]);
}

function fieldOf(props: unknown, name: string): unknown {
  return typeof props === 'object' && props !== null ? (props as Record<string, unknown>)[name] : undefined;
}
