/**
 * The checks of the `BackendSecurity` builders: pure functions that return the problems of one builder call's
 * props, each named as the user wrote it in that call (`tokenUrl`, `credentials`, `header`). The builders never
 * throw: the `BackendSecurity` they return carries these problems, and `CustomerBackendLink` reports them under
 * `security.<prop>` in the same synth as its other problems (`customer-backend-link-checks.ts`).
 */
import { createPublicKey, KeyObject } from 'node:crypto';
import { schemeHeaderProblem } from '../../gateway-runtime/src/core/headers';
import { type JwsAlgorithm, publicJwks } from '../../gateway-runtime/src/schemes/message-signature-jwks';
import {
  ABSOLUTE_URI,
  CLIENT_AUTH_METHODS,
  PRIVATE_KEY_JWT,
} from '../../gateway-runtime/src/config/definition';
import { showUnparsedUrl } from '../../gateway-runtime/src/config/validate';
import {
  AWS_REGION,
  AWS_SERVICE,
  EXTERNAL_ID,
  ROLE_ARN,
  UNSIGNED_PAYLOAD_SERVICES,
} from '../../gateway-runtime/src/config/sigv4-rules';
import { partitionOfRegion } from '../shared/partition';
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
  // BackendSecurity.sigV4
  service: 'security.service',
  region: 'security.region',
  assumeRoleArn: 'security.credentials.roleArn',
  externalId: 'security.credentials.externalId',
  unsignedPayload: 'security.payload',
  authMethod: 'security.authMethod',
  clientSecret: 'security.clientSecret',
  privateKeyJwt: 'security.privateKeyJwt',
  'privateKeyJwt.keyId': 'security.privateKeyJwt.keyId',
  'privateKeyJwt.algorithm': 'security.privateKeyJwt.algorithm',
  'privateKeyJwt.audience': 'security.privateKeyJwt.assertionAudience',
  'privateKeyJwt.lifetimeSeconds': 'security.privateKeyJwt.lifetimeSeconds',
  tokenEndpointClientCertificate: 'security.clientCertificate',
  resource: 'security.resource',
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
    return [{ prop, value: url.origin, message: 'must use https://: credentials and tokens travel over it' }];
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

const SECRET_METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post'];
const TLS_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth'];
const ALGORITHMS = PRIVATE_KEY_JWT.algorithm.values;
/** The smallest RSA key accepted for PS256 and RS256 (RFC 7518 §3.3). */
const MIN_RSA_BITS = 2048;

/** The problems of `BackendSecurity.oauth2ClientCredentials(props)`. */
export function checkOAuth2ClientCredentialsProps(props: unknown): Problem[] {
  const method = fieldOf(props, 'authMethod') ?? 'client_secret_basic';
  const problems: Problem[] = [...tokenUrlProblems(fieldOf(props, 'tokenUrl'))];
  if (!isUnresolved(method) && !(CLIENT_AUTH_METHODS as readonly unknown[]).includes(method)) {
    problems.push({
      prop: 'authMethod',
      value: method,
      message: `is not one of ${CLIENT_AUTH_METHODS.join(', ')}`,
    });
    return [...problems, ...secretSourceProblems(props, [['tokenEndpointCa', true]])];
  }
  const using = `with authMethod "${String(method)}"`;
  if (SECRET_METHODS.includes(method as string)) {
    problems.push(...secretSourceProblems(props, [['clientSecret', false]]));
  } else if (fieldOf(props, 'clientSecret') !== undefined) {
    problems.push({
      prop: 'clientSecret',
      secret: true,
      message: `is not sent ${using} (no shared secret): remove it`,
    });
  }
  const jwt = fieldOf(props, 'privateKeyJwt');
  if (method === 'private_key_jwt') {
    if (jwt === undefined) {
      problems.push({
        prop: 'privateKeyJwt',
        message: `is required ${using}: { key: SecretSource, keyId, algorithm? }`,
      });
    } else problems.push(...privateKeyJwtProblems(jwt));
  } else if (jwt !== undefined) {
    problems.push({
      prop: 'privateKeyJwt',
      message: `is not used ${using}: remove it, or set authMethod "private_key_jwt"`,
    });
  }
  problems.push(
    ...secretSourceProblems(props, [
      ['tokenEndpointClientCertificate', true],
      ['tokenEndpointCa', true],
    ]),
    ...resourceProblems(fieldOf(props, 'resource')),
  );
  if (
    fieldOf(props, 'tokenEndpointKeyHasPassphrase') === true &&
    fieldOf(props, 'tokenEndpointClientCertificate') === undefined
  ) {
    problems.push({
      prop: 'tokenEndpointKeyHasPassphrase',
      message: 'is set, but there is no tokenEndpointClientCertificate',
    });
  }
  return problems;
}

/**
 * The problem of an OAuth 2.0 TLS method (`tls_client_auth`, `self_signed_tls_client_auth`) without any
 * client certificate: neither `tokenEndpointClientCertificate` nor one from `.withMutualTls(...)`.
 */
export function checkOAuth2ClientCertificate(props: unknown, hasMutualTls: boolean): Problem[] {
  const method = fieldOf(props, 'authMethod');
  if (
    typeof method !== 'string' ||
    !TLS_METHODS.includes(method) ||
    hasMutualTls ||
    fieldOf(props, 'tokenEndpointClientCertificate') !== undefined
  ) {
    return [];
  }
  return [
    {
      prop: 'tokenEndpointClientCertificate',
      message: `is required with authMethod "${method}" (the certificate authenticates the client), unless .withMutualTls(...) gives the backend certificate (then that one is used, and tokens bound to it pass the backend)`,
    },
  ];
}

/** The problems of `privateKeyJwt`: its key, key id, algorithm, audience, lifetime and public key. */
function privateKeyJwtProblems(jwt: unknown): Problem[] {
  const at = (problems: Problem[]) => problems.map((p) => ({ ...p, prop: `privateKeyJwt.${p.prop}` }));
  if (typeof jwt !== 'object' || jwt === null || Array.isArray(jwt)) {
    return [
      { prop: 'privateKeyJwt', message: 'must be an object: { key: SecretSource, keyId, algorithm? }' },
    ];
  }
  const problems: Problem[] = [...secretSourceProblems(jwt, [['key', false]])];
  const keyId = fieldOf(jwt, 'keyId');
  if (keyId === undefined) {
    problems.push({ prop: 'keyId', message: "is required: the key's id in the client's registered JWKS" });
  } else if (
    !isUnresolved(keyId) &&
    (typeof keyId !== 'string' || !PRIVATE_KEY_JWT.keyId.pattern!.test(keyId) || keyId.length > 256)
  ) {
    problems.push({
      prop: 'keyId',
      value: keyId,
      message: 'must be 1 to 256 printable ASCII characters without spaces',
    });
  }
  const algorithm = fieldOf(jwt, 'algorithm') ?? 'ES256';
  const algorithmOk = (ALGORITHMS as readonly unknown[]).includes(algorithm);
  if (!algorithmOk) {
    problems.push({ prop: 'algorithm', value: algorithm, message: `is not one of ${ALGORITHMS.join(', ')}` });
  }
  const audience = fieldOf(jwt, 'audience');
  if (
    audience !== undefined &&
    !isUnresolved(audience) &&
    (typeof audience !== 'string' || !ABSOLUTE_URI.test(audience))
  ) {
    problems.push({
      prop: 'audience',
      value: audience,
      message: 'is not an absolute URI without a fragment (the issuer identifier)',
    });
  }
  const lifetime = fieldOf(jwt, 'lifetimeSeconds');
  const { min, max } = PRIVATE_KEY_JWT.lifetimeSeconds;
  if (
    lifetime !== undefined &&
    !isUnresolved(lifetime) &&
    (!Number.isInteger(lifetime) || (lifetime as number) < min || (lifetime as number) > max!)
  ) {
    problems.push({
      prop: 'lifetimeSeconds',
      value: lifetime,
      message: `is not an integer from ${min} to ${max}`,
    });
  }
  const publicKey = fieldOf(jwt, 'publicKey');
  if (publicKey !== undefined && algorithmOk) {
    problems.push(...publicKeyProblems(publicKey, algorithm as (typeof ALGORITHMS)[number]));
  }
  return at(problems);
}

/** Why `publicKey` can not be the registered key of `algorithm` (not PEM, a private key, the wrong type). */
function publicKeyProblems(publicKey: unknown, algorithm: (typeof ALGORITHMS)[number]): Problem[] {
  const prop = 'publicKey';
  if (isUnresolved(publicKey)) return [];
  if (typeof publicKey !== 'string' || !publicKey.includes('-----BEGIN')) {
    return [{ prop, message: 'is not a PEM public key (-----BEGIN PUBLIC KEY-----)' }];
  }
  if (/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(publicKey)) {
    // The private key must never be in the app's code or state: it belongs in `key`'s secret.
    return [
      {
        prop,
        secret: true,
        message:
          'is a PRIVATE key (not shown): give the public key (openssl pkey -pubout); the private key belongs only in the secret of `privateKeyJwt.key`',
      },
    ];
  }
  let key: KeyObject;
  try {
    key = createPublicKey(publicKey);
  } catch {
    return [{ prop, message: 'is not a readable PEM public key' }];
  }
  const type = key.asymmetricKeyType;
  const details = key.asymmetricKeyDetails ?? {};
  const has = `${type ?? 'unknown'}${details.namedCurve ? ` ${details.namedCurve}` : ''}${details.modulusLength ? ` ${details.modulusLength} bits` : ''}`;
  const suits =
    algorithm === 'ES256'
      ? type === 'ec' && details.namedCurve === 'prime256v1'
      : algorithm === 'EdDSA'
        ? type === 'ed25519'
        : type === 'rsa' && (details.modulusLength ?? 0) >= MIN_RSA_BITS;
  if (suits) return [];
  const needs =
    algorithm === 'ES256'
      ? 'an EC P-256 key'
      : algorithm === 'EdDSA'
        ? 'an Ed25519 key'
        : `an RSA key of ${MIN_RSA_BITS} bits or more`;
  return [{ prop, message: `is ${has}, but algorithm ${algorithm} needs ${needs}` }];
}

/** RFC 8707 resource indicators: a non-empty list of absolute URIs without a fragment, none twice. */
function resourceProblems(resource: unknown): Problem[] {
  if (resource === undefined || isUnresolved(resource)) return [];
  if (!Array.isArray(resource) || resource.length === 0) {
    return [{ prop: 'resource', message: 'must be a non-empty list of absolute URIs (RFC 8707)' }];
  }
  return resource.flatMap((uri: unknown, i): Problem[] => {
    const prop = `resource[${i}]`;
    if (isUnresolved(uri)) return [];
    if (typeof uri !== 'string' || !ABSOLUTE_URI.test(uri) || !URL.canParse(uri)) {
      return [{ prop, value: uri, message: 'is not an absolute URI without a fragment (RFC 8707 §2)' }];
    }
    return resource.indexOf(uri) !== i ? [{ prop, value: uri, message: 'is listed twice' }] : [];
  });
}

/**
 * The JWKS a `private_key_jwt` client registers, from `privateKeyJwt.publicKey` (with `kid`, `alg`,
 * `use: "sig"`), or undefined when there is no usable public key (its problems say why).
 */
export function clientJwksOf(jwt: unknown): { keys: Record<string, string>[] } | undefined {
  const publicKey = fieldOf(jwt, 'publicKey');
  const algorithm = fieldOf(jwt, 'algorithm') ?? 'ES256';
  const keyId = fieldOf(jwt, 'keyId');
  if (
    typeof publicKey !== 'string' ||
    typeof keyId !== 'string' ||
    isUnresolved(publicKey) ||
    isUnresolved(keyId) ||
    !(ALGORITHMS as readonly unknown[]).includes(algorithm) ||
    publicKeyProblems(publicKey, algorithm as (typeof ALGORITHMS)[number]).length > 0
  ) {
    return undefined;
  }
  const { keys } = publicJwks(createPublicKey(publicKey), keyId, algorithm as JwsAlgorithm);
  return { keys: keys.map((jwk) => ({ ...jwk })) };
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

/** The problems of `.withBackendTls(props)`: `backendCa` a SecretSource, and at least one check given. */
export function checkBackendTlsProps(props: unknown): Problem[] {
  const problems = secretSourceProblems(props, [['backendCa', true]]);
  const given = (['backendCa', 'servername', 'pinnedSpkiSha256'] as const).some(
    (prop) => fieldOf(props, prop) !== undefined,
  );
  if (!given) {
    problems.push({
      prop: 'backendCa',
      message:
        'is missing, and so are servername and pinnedSpkiSha256: withBackendTls needs at least one (without them the backend is checked against the public CAs, as it is without withBackendTls)',
    });
  }
  return problems;
}

/** The problems of `BackendSecurity.sigV4(props)` (its platform's: {@link checkSigV4PlatformProps}). */
export function checkSigV4Props(props: unknown): Problem[] {
  const problems: Problem[] = [];
  const service = fieldOf(props, 'service');
  if (service === undefined) {
    problems.push({ prop: 'service', message: 'is required: the service signing name, e.g. "execute-api"' });
  } else if (!isUnresolved(service) && (typeof service !== 'string' || !AWS_SERVICE.test(service))) {
    problems.push({
      prop: 'service',
      value: service,
      message:
        'is not a service signing name (lower case letters, digits, "-"; e.g. "execute-api", "lambda", "es")',
    });
  }
  const region = fieldOf(props, 'region');
  if (
    region !== undefined &&
    !isUnresolved(region) &&
    (typeof region !== 'string' || !AWS_REGION.test(region))
  ) {
    problems.push({ prop: 'region', value: region, message: 'is not an AWS region name (e.g. "eu-west-1")' });
  }
  const roleArn = fieldOf(props, 'assumeRoleArn');
  if (
    roleArn !== undefined &&
    !isUnresolved(roleArn) &&
    (typeof roleArn !== 'string' || !ROLE_ARN.test(roleArn))
  ) {
    problems.push({
      prop: 'assumeRoleArn',
      value: roleArn,
      message: 'is not an IAM role ARN (arn:<partition>:iam::<account>:role/<name>)',
    });
  }
  const externalId = fieldOf(props, 'externalId');
  if (externalId !== undefined && !isUnresolved(externalId)) {
    if (typeof externalId !== 'string' || !EXTERNAL_ID.test(externalId)) {
      problems.push({
        prop: 'externalId',
        value: externalId,
        message: 'must be 2 to 1224 characters of letters, digits and +=,.@:/-_',
      });
    }
    if (roleArn === undefined) {
      problems.push({
        prop: 'externalId',
        value: externalId,
        message: 'applies only with `assumeRoleArn` (the role whose trust policy demands it)',
      });
    }
  }
  const unsigned = fieldOf(props, 'unsignedPayload');
  if (unsigned !== undefined && typeof unsigned !== 'boolean') {
    problems.push({ prop: 'unsignedPayload', value: unsigned, message: 'must be true or false' });
  } else if (
    unsigned === true &&
    typeof service === 'string' &&
    !isUnresolved(service) &&
    !UNSIGNED_PAYLOAD_SERVICES.has(service)
  ) {
    problems.push({
      prop: 'unsignedPayload',
      value: unsigned,
      message: `UNSIGNED-PAYLOAD is accepted only by ${[...UNSIGNED_PAYLOAD_SERVICES].join(', ')}, not by service ${JSON.stringify(service)}: leave it out to sign the body`,
    });
  }
  return problems;
}

/** What {@link checkSigV4PlatformProps} reads of the platform the link runs on. */
export interface SigV4Platform {
  readonly partition: string;
  readonly region: string;
  /**
   * The services of the platform's interface endpoints (`interfaceEndpoints.services`).
   * @default - not known (the endpoints are not the platform's own): not checked
   */
  readonly interfaceEndpointServices?: readonly string[];
}

/**
 * The problems of `BackendSecurity.sigV4(props)` on a platform: the region and the assumed role must lie in the
 * platform's partition (the function's credentials are valid in its own partition only), and an assumed role
 * needs the platform's `sts` interface endpoint (the function's subnets have no route to the internet).
 */
export function checkSigV4PlatformProps(props: unknown, platform: SigV4Platform): Problem[] {
  const problems: Problem[] = [];
  const region = fieldOf(props, 'region');
  if (typeof region === 'string' && !isUnresolved(region) && AWS_REGION.test(region)) {
    const partition = partitionOfRegion(region);
    if (!isUnresolved(platform.partition) && partition !== platform.partition) {
      problems.push({
        prop: 'region',
        value: region,
        message: `is in partition ${partition}, the platform in ${platform.partition}: the function's credentials are valid in its own partition only`,
      });
    }
  }
  const roleArn = fieldOf(props, 'assumeRoleArn');
  if (typeof roleArn === 'string' && !isUnresolved(roleArn) && ROLE_ARN.test(roleArn)) {
    const partition = roleArn.split(':')[1];
    if (!isUnresolved(platform.partition) && partition !== platform.partition) {
      problems.push({
        prop: 'assumeRoleArn',
        value: roleArn,
        message: `is in partition ${partition}, the platform in ${platform.partition}: its STS can not issue credentials for another partition's role`,
      });
    }
    const services = platform.interfaceEndpointServices;
    if (services !== undefined && !services.includes('sts')) {
      problems.push({
        prop: 'assumeRoleArn',
        value: roleArn,
        message: `needs STS from the function's subnets, which have no route to the internet: add "sts" to the platform's \`interfaceEndpoints.services\` (now ${services.map((x) => JSON.stringify(x)).join(', ')})`,
      });
    }
  }
  return problems;
}

function fieldOf(props: unknown, name: string): unknown {
  return typeof props === 'object' && props !== null ? (props as Record<string, unknown>)[name] : undefined;
}
