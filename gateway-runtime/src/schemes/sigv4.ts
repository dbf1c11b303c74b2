/**
 * AWS Signature Version 4 towards AWS-hosted backends: a private API Gateway (`execute-api`), a Lambda
 * function URL with IAM auth (`lambda`), OpenSearch (`es`, `aoss`), S3 (`s3`) or any SigV4 service.
 *
 * Every attempt is signed anew (a fresh `x-amz-date` and signature), after the proxy's last change to
 * the request. What is signed (SignedHeaders):
 * - `host`, `x-amz-date`, `x-amz-content-sha256`, and `x-amz-security-token` with temporary credentials;
 * - every other `x-amz-*` header the caller's request carries (S3 refuses unsigned `x-amz-*` headers);
 * - `content-type` when the request has one;
 * - the headers named in `signedHeaders`, when present.
 * Other forwarded headers (`accept`, `user-agent`, `x-forwarded-*`, ...) go unsigned, so the proxy's
 * header handling can not break a signature. The caller's own `authorization`, `x-amz-date`,
 * `x-amz-content-sha256` and `x-amz-security-token` are never forwarded.
 *
 * The payload: `signed` (default) hashes the body actually sent (hex SHA-256, also sent as
 * `x-amz-content-sha256`); `unsigned` sends `UNSIGNED-PAYLOAD`, which only S3 accepts (so only service
 * `s3` may choose it) and which spares hashing the body (it is still buffered: S3 wants a Content-Length,
 * and the proxy streams unbuffered bodies chunked).
 *
 * The signing key (the HMAC chain over date, region and service) is derived once per day and
 * credentials, not per request. Canonicalisation rules: sigv4-canonical.ts; credentials sources:
 * aws-credentials.ts. A 401/403 to a request signed with fetched credentials (assumed role, container)
 * drops them and retries once, re-signed with new ones (see onResponse). Documentation: docs/sigv4.md.
 */
import type { SecurityScheme } from '../config/definition';
import {
  ASSUME_ROLE_FIELDS,
  AWS_REGION,
  AWS_REGION_RULE,
  AWS_SERVICE,
  EXTERNAL_ID,
  MAX_ASSUME_ROLE_DURATION_SECONDS,
  MIN_ASSUME_ROLE_DURATION_SECONDS,
  ROLE_ARN,
  ROLE_ARN_RULE,
  ROLE_SESSION_NAME,
  SIGV4_SCHEME_HEADERS,
  sigV4CrossFieldProblems,
  STS_ENDPOINT,
} from '../config/sigv4-rules';
import { ConfigError } from '../core/errors';
import {
  type AwsCredentials,
  createCredentialsProvider,
  type SigV4CredentialsOptions,
} from './aws-credentials';
import {
  amzDate,
  authorizationHeader,
  canonicalRequest,
  credentialScope,
  EMPTY_PAYLOAD_SHA256,
  payloadSha256,
  signatureOf,
  SigningKeyCache,
  stringToSign,
  UNSIGNED_PAYLOAD,
} from './sigv4-canonical';
import type {
  AuthScheme,
  BackendResponseInfo,
  CallingOutSchemeContext,
  OutgoingRequest,
  SentRequest,
} from './types';

export type { SigV4CredentialsOptions } from './aws-credentials';
export { AWS_REGION, AWS_SERVICE, UNSIGNED_PAYLOAD_SERVICES } from '../config/sigv4-rules';

/**
 * The scheme's configuration: its `security` section of the config document (`"type": "sigv4"`; fields,
 * defaults and docs in config/definition.ts, SCHEMES.sigv4). `credentials` is one object whose
 * assume-role fields apply with `source: "assume-role"` only.
 */
export type SigV4SchemeOptions = Extract<SecurityScheme, { readonly type: 'sigv4' }>;

/** What the scheme reads besides SchemeContext (tests give their own environment). */
export interface SigV4Runtime {
  /** @default process.env */
  readonly env?: NodeJS.ProcessEnv;
  /** @default DEFAULT_SIGV4_MIN_REFETCH_INTERVAL_SECONDS */
  readonly minRefetchIntervalSeconds?: number;
}

/** A 401/403 drops fetched credentials and fetches new ones at most once per this interval. */
export const DEFAULT_SIGV4_MIN_REFETCH_INTERVAL_SECONDS = 5;

/** Headers the scheme sets itself (the caller's values are dropped). */
const SCHEME_HEADERS = SIGV4_SCHEME_HEADERS;
/** RFC 9110 token, lower case. */
const HEADER_NAME = /^[!#$%&'*+\-.^_`|~0-9a-z]+$/;

/**
 * Every problem with the options, as `{ path, message }` (the validator's shape), none when valid: the
 * scheme's own check, for options built in code (a configuration document is checked by validate.ts,
 * with the same rules from config/sigv4-rules.ts).
 */
export function sigV4OptionsProblems(
  options: SigV4SchemeOptions,
  path = 'security',
): Array<{ path: string; message: string }> {
  const problems: Array<{ path: string; message: string }> = [];
  const add = (field: string, message: string) => problems.push({ path: `${path}.${field}`, message });
  if (typeof options.region !== 'string' || !AWS_REGION.test(options.region)) {
    add('region', `${JSON.stringify(options.region)} ${AWS_REGION_RULE}`);
  }
  if (typeof options.service !== 'string' || options.service.length === 0) {
    add('service', 'must be the service signing name (e.g. "execute-api"), not empty');
  } else if (!AWS_SERVICE.test(options.service)) {
    add(
      'service',
      `${JSON.stringify(options.service)} is not a service signing name (lower case letters, digits, "-")`,
    );
  }
  const payload = options.payload ?? 'signed';
  if (payload !== 'signed' && payload !== 'unsigned') {
    add('payload', `${JSON.stringify(payload)} is neither "signed" nor "unsigned"`);
  }
  for (const [i, name] of (options.signedHeaders ?? []).entries()) {
    if (typeof name !== 'string' || !HEADER_NAME.test(name)) {
      add(`signedHeaders[${i}]`, `${JSON.stringify(name)} is not a lower-case header name`);
    } else if ((SCHEME_HEADERS as readonly string[]).includes(name)) {
      add(`signedHeaders[${i}]`, `"${name}" is set by the scheme itself`);
    }
  }
  const c: NonNullable<SigV4SchemeOptions['credentials']> = options.credentials ?? {};
  const source = c.source ?? 'environment';
  if (source !== 'environment' && source !== 'container' && source !== 'assume-role') {
    add(
      'credentials.source',
      `${JSON.stringify(source)} is not one of "environment", "container", "assume-role"`,
    );
  }
  if (source === 'assume-role') {
    if (c.roleArn !== undefined && (typeof c.roleArn !== 'string' || !ROLE_ARN.test(c.roleArn))) {
      add('credentials.roleArn', `${JSON.stringify(c.roleArn)} ${ROLE_ARN_RULE}`);
    }
    if (c.externalId !== undefined && (typeof c.externalId !== 'string' || !EXTERNAL_ID.test(c.externalId))) {
      add('credentials.externalId', 'must be 2 to 1224 characters of letters, digits and +=,.@:/-_');
    }
    if (
      c.sessionName !== undefined &&
      (typeof c.sessionName !== 'string' || !ROLE_SESSION_NAME.test(c.sessionName))
    ) {
      add(
        'credentials.sessionName',
        `${JSON.stringify(c.sessionName)} is not 2 to 64 characters of letters, digits and +=,.@-_`,
      );
    }
    const d = c.durationSeconds;
    if (
      d !== undefined &&
      (!Number.isInteger(d) || d < MIN_ASSUME_ROLE_DURATION_SECONDS || d > MAX_ASSUME_ROLE_DURATION_SECONDS)
    ) {
      add(
        'credentials.durationSeconds',
        `${JSON.stringify(d)} is not a whole number of seconds from ${MIN_ASSUME_ROLE_DURATION_SECONDS} to ${MAX_ASSUME_ROLE_DURATION_SECONDS}`,
      );
    }
    if (c.stsRegion !== undefined && (typeof c.stsRegion !== 'string' || !AWS_REGION.test(c.stsRegion))) {
      add('credentials.stsRegion', `${JSON.stringify(c.stsRegion)} is not an AWS region name`);
    }
    if (
      c.stsEndpoint !== undefined &&
      (typeof c.stsEndpoint !== 'string' || !STS_ENDPOINT.test(c.stsEndpoint))
    ) {
      add(
        'credentials.stsEndpoint',
        `${JSON.stringify(c.stsEndpoint)} is not an https:// URL (http:// only on loopback)`,
      );
    }
    if (
      c.baseCredentials !== undefined &&
      c.baseCredentials !== 'environment' &&
      c.baseCredentials !== 'container'
    ) {
      add(
        'credentials.baseCredentials',
        `${JSON.stringify(c.baseCredentials)} is neither "environment" nor "container"`,
      );
    }
  }
  problems.push(...sigV4CrossFieldProblems(options, path));
  return problems;
}

/** The credentials provider's options from the section's `credentials` (checked by sigV4OptionsProblems). */
function credentialsOptions(c: SigV4SchemeOptions['credentials']): SigV4CredentialsOptions {
  const source = c?.source ?? 'environment';
  if (source !== 'assume-role') return { source };
  const assume: Record<string, unknown> = { source, roleArn: c!.roleArn };
  for (const field of ASSUME_ROLE_FIELDS) if (c![field] !== undefined) assume[field] = c![field];
  return assume as SigV4CredentialsOptions;
}

export function createSigV4Scheme(
  options: SigV4SchemeOptions,
  ctx: CallingOutSchemeContext,
  runtime: SigV4Runtime = {},
): AuthScheme {
  const problems = sigV4OptionsProblems(options);
  if (problems.length > 0) throw new ConfigError(problems);
  const now = ctx.now ?? Date.now;
  const { region, service } = options;
  const signPayload = (options.payload ?? 'signed') === 'signed';
  const singleEncodePath = service === 's3';
  const extraSigned = options.signedHeaders ?? [];
  const provider = createCredentialsProvider(credentialsOptions(options.credentials), region, {
    now,
    env: runtime.env ?? process.env,
    timeouts: ctx.timeouts,
  });
  const keys = new SigningKeyCache(region, service);
  const minRefetchMs =
    (runtime.minRefetchIntervalSeconds ?? DEFAULT_SIGV4_MIN_REFETCH_INTERVAL_SECONDS) * 1000;
  /** x-amz-date and the credential scope of the current second: they change once a second. */
  let clock = { second: NaN, date: '', scope: '' };

  const sign = (request: OutgoingRequest, credentials: AwsCredentials): Record<string, string> => {
    const ms = now();
    const second = Math.floor(ms / 1000);
    if (second !== clock.second) {
      const date = amzDate(ms);
      clock = { second, date, scope: credentialScope(date.slice(0, 8), region, service) };
    }
    const { date, scope } = clock;
    const body = request.body;
    const payloadHash = !signPayload
      ? UNSIGNED_PAYLOAD
      : body === undefined || body.byteLength === 0
        ? EMPTY_PAYLOAD_SHA256
        : payloadSha256(body);

    const added: Record<string, string> = {
      'x-amz-date': date,
      'x-amz-content-sha256': payloadHash,
    };
    if (credentials.sessionToken) added['x-amz-security-token'] = credentials.sessionToken;
    const signed: Record<string, string> = {};
    const headers = request.headers;
    for (const name of Object.keys(headers)) {
      if (name.startsWith('x-amz-') || name === 'content-type') signed[name] = headers[name];
    }
    for (const name of extraSigned) if (headers[name] !== undefined) signed[name] = headers[name];
    if (headers.host === undefined) added.host = request.url.host;
    signed.host = headers.host ?? request.url.host;
    for (const name of Object.keys(added)) signed[name] = added[name];

    const canonical = canonicalRequest({
      method: request.method,
      url: request.url,
      headers: signed,
      payloadHash,
      singleEncodePath,
    });
    const signature = signatureOf(
      keys.key(credentials.secretAccessKey, date.slice(0, 8)),
      stringToSign(date, scope, canonical.text),
    );
    added.authorization = authorizationHeader(
      credentials.accessKeyId,
      scope,
      canonical.signedHeaders,
      signature,
    );
    return added;
  };

  // Fetched credentials (assumed role, container) can be revoked or expire early: a 401/403 purges
  // exactly the credentials that attempt was signed with and asks for one retry, re-signed, at most
  // once per DEFAULT_SIGV4_MIN_REFETCH_INTERVAL_SECONDS (a path that always answers 403 costs one STS
  // call per interval, not one per request). Environment credentials are what they are: no retry.
  const refreshable = provider.invalidate !== undefined;
  /** The credentials each attempt was signed with, keyed by the header object authorize returned. */
  const signedWith = new WeakMap<object, AwsCredentials>();
  let lastRefetchAt: number | undefined;
  const signFor = (request: OutgoingRequest, credentials: AwsCredentials): Record<string, string> => {
    const added = sign(request, credentials);
    if (refreshable) signedWith.set(added, credentials);
    return added;
  };

  return {
    type: 'sigv4',
    mayRetry: refreshable,
    // Always whole, also with UNSIGNED-PAYLOAD: a buffered body goes with a Content-Length, which S3's
    // PutObject requires (the proxy streams other bodies chunked).
    needsBody: true,
    headerNames: SCHEME_HEADERS,
    authorize(request: OutgoingRequest): Record<string, string> | Promise<Record<string, string>> {
      const credentials = provider.current();
      if (credentials) return signFor(request, credentials);
      return provider.get().then((fetched) => signFor(request, fetched));
    },
    ...(refreshable
      ? {
          async onResponse(
            sent: SentRequest,
            response: BackendResponseInfo,
            attempt: number,
          ): Promise<'retry' | 'done'> {
            if (attempt !== 1 || (response.status !== 401 && response.status !== 403)) return 'done';
            const used = signedWith.get(sent.authHeaders);
            if (!used) return 'done';
            // Other requests already replaced the refused credentials: retry with the current ones.
            if (provider.current() !== used) return 'retry';
            const at = now();
            if (lastRefetchAt !== undefined && at - lastRefetchAt < minRefetchMs) return 'done';
            lastRefetchAt = at;
            provider.invalidate!(used);
            return 'retry';
          },
        }
      : {}),
    async close(): Promise<void> {
      await provider.close?.();
    },
  };
}
