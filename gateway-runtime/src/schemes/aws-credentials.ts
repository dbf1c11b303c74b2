/**
 * AWS credentials for SigV4 signing, from one of these sources:
 *
 * - `environment`: `AWS_ACCESS_KEY_ID`, `AWS_SECRET_ACCESS_KEY` and `AWS_SESSION_TOKEN`, the variables
 *   Lambda sets from the function's execution role (and what a DMZ host or container can be given).
 *   Read again at most once a second once found (a process.env lookup is not free on the hot path), so a
 *   process whose environment is updated signs with the new keys within a second; missing ones are looked
 *   for on every request.
 * - `container`: the ECS/EKS container credentials endpoint (`AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`
 *   or `AWS_CONTAINER_CREDENTIALS_FULL_URI`, with `AWS_CONTAINER_AUTHORIZATION_TOKEN(_FILE)`), for the
 *   DMZ proxy run as a container in AWS. EC2's instance metadata service (IMDS) is not implemented.
 * - `assume-role`: `sts:AssumeRole` through STS's regional endpoint, signed with the base credentials
 *   (environment or container) over HTTPS with undici.
 *
 * Fetched credentials are cached until 5 minutes (DEFAULT_REFRESH_MARGIN_SECONDS) before they expire,
 * one fetch at a time (single flight); a failed refresh keeps using credentials that have not expired,
 * and is not repeated within FAILURE_HOLD_MS. A failure is a CredentialsUnavailableError (503) whose `reason`
 * is a stable word for the log (the STS error code such as `AccessDenied`, or NOT_SET, NO_RESPONSE,
 * BAD_RESPONSE); no key, token or response body is ever put in a message.
 */
import { readFileSync } from 'node:fs';
import type { ResolvedTimeoutsConfig } from '../config/resolve';
import { CredentialsUnavailableError, GatewayError } from '../core/errors';
import { Agent, sendRequest } from '../io/undici';
import {
  amzDate,
  authorizationHeader,
  canonicalRequest,
  credentialScope,
  payloadSha256,
  signatureOf,
  SigningKeyCache,
  stringToSign,
  uriEncode,
} from './sigv4-canonical';

export interface AwsCredentials {
  readonly accessKeyId: string;
  readonly secretAccessKey: string;
  readonly sessionToken?: string;
  /** Epoch ms at which the credentials expire; absent for long-term or environment credentials. */
  readonly expiresAt?: number;
}

export interface CredentialsProvider {
  /** Where the credentials come from, for messages (`environment`, `assume-role arn:...`). */
  readonly description: string;
  /** The credentials at once when they are at hand (no I/O); else undefined and `get()` it is. */
  current(): AwsCredentials | undefined;
  get(): Promise<AwsCredentials>;
  /** Drops cached credentials that a backend refused (the next `get` fetches anew). */
  invalidate?(refused: AwsCredentials): void;
  close?(): Promise<void>;
}

/** The base credentials an assumed role is requested with. */
export type BaseCredentialsSource = 'environment' | 'container';

export type SigV4CredentialsOptions =
  | { readonly source: 'environment' }
  | { readonly source: 'container' }
  | {
      readonly source: 'assume-role';
      /** `arn:aws:iam::123456789012:role/name` (any partition). */
      readonly roleArn: string;
      /** The external ID the role's trust policy demands (not a secret, per AWS). @default - none */
      readonly externalId?: string;
      /** `RoleSessionName` (CloudTrail shows it). @default "backend-link-gateway" */
      readonly sessionName?: string;
      /**
       * Requested lifetime, 900..43200 (the role's maximum applies). Signed with a role's own temporary
       * credentials (Lambda's), this is role chaining, which STS caps at 3600.
       * @default 3600
       */
      readonly durationSeconds?: number;
      /** STS's region. @default - the scheme's region */
      readonly stsRegion?: string;
      /**
       * The STS endpoint URL, e.g. a VPC endpoint's DNS name. @default - `https://sts.<stsRegion>.amazonaws.com`
       * (`.amazonaws.com.cn` in the China regions)
       */
      readonly stsEndpoint?: string;
      /** What the AssumeRole call is signed with. @default "environment" */
      readonly baseCredentials?: BaseCredentialsSource;
    };

export const DEFAULT_REFRESH_MARGIN_SECONDS = 300;
/** Environment credentials found are read again after this long (process.env lookups cost per request). */
export const ENVIRONMENT_REREAD_MS = 1000;
/** A failed fetch is not repeated for this long (requests meanwhile get its error, or the old credentials). */
export const FAILURE_HOLD_MS = 1000;
/** Credentials this close to their expiry are not used even when a refresh failed. */
const EXPIRY_SAFETY_MS = 10_000;
export const DEFAULT_ASSUME_ROLE_SESSION_NAME = 'backend-link-gateway';
export const DEFAULT_ASSUME_ROLE_DURATION_SECONDS = 3600;
const MAX_CREDENTIALS_RESPONSE_BYTES = 64 * 1024;
/** The ECS/EKS credentials endpoint for `AWS_CONTAINER_CREDENTIALS_RELATIVE_URI`. */
const CONTAINER_CREDENTIALS_HOST = 'http://169.254.170.2';
/** Addresses an `http://` full URI may name (as the AWS SDKs allow): loopback and the ECS/EKS agents. */
const CONTAINER_HTTP_HOSTS = new Set([
  '127.0.0.1',
  'localhost',
  '[::1]',
  '169.254.170.2',
  '169.254.170.23',
  '[fd00:ec2::23]',
]);

/** The role ARN, session name and external ID rules (config/sigv4-rules.ts, shared with the validator). */
export { EXTERNAL_ID, ROLE_ARN, ROLE_SESSION_NAME } from '../config/sigv4-rules';

export interface ProviderContext {
  readonly now: () => number;
  readonly env: NodeJS.ProcessEnv;
  /** The configuration's timeouts, for the calls to STS and the container endpoint. */
  readonly timeouts: ResolvedTimeoutsConfig;
}

/** A CredentialsUnavailableError: `no AWS credentials for SigV4: <why>`, with its log reason. */
const unavailable = (why: string, reason: string, cause?: unknown) =>
  new CredentialsUnavailableError(`no AWS credentials for SigV4: ${why}`, {
    reason,
    ...(cause === undefined ? {} : { cause }),
  });

/** Credentials from the process environment (Lambda's execution role, or set by the operator). */
export function environmentCredentials(
  env: NodeJS.ProcessEnv = process.env,
  now?: () => number,
): CredentialsProvider {
  let last: AwsCredentials | undefined;
  /** When the variables were last read (with `now`): they are read at most once a second. */
  let readAt = -Infinity;
  const read = (): AwsCredentials | undefined => {
    if (now) {
      const at = now();
      if (last !== undefined && at - readAt < ENVIRONMENT_REREAD_MS && at >= readAt) return last;
      readAt = at;
    }
    const accessKeyId = env.AWS_ACCESS_KEY_ID;
    const secretAccessKey = env.AWS_SECRET_ACCESS_KEY;
    if (!accessKeyId || !secretAccessKey) return (last = undefined);
    const sessionToken = env.AWS_SESSION_TOKEN || undefined;
    // One object while the values stay the same (callers compare credentials by identity).
    if (
      last?.accessKeyId !== accessKeyId ||
      last.secretAccessKey !== secretAccessKey ||
      last.sessionToken !== sessionToken
    ) {
      last = { accessKeyId, secretAccessKey, ...(sessionToken ? { sessionToken } : {}) };
    }
    return last;
  };
  return {
    description: 'environment',
    current: read,
    async get() {
      const found = read();
      if (found) return found;
      throw unavailable('AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set', 'NOT_SET');
    },
  };
}

/**
 * Caching around a fetch: the credentials are reused until `margin` before they expire (capped at half
 * their remaining lifetime at fetch time), one fetch at a time. When a refresh fails while the old
 * credentials have not expired yet (the margin), those are used on; a failure is remembered for
 * FAILURE_HOLD_MS, so an STS outage costs one call per second, not one per request.
 */
function cachingProvider(
  description: string,
  fetch: () => Promise<AwsCredentials>,
  now: () => number,
  close?: () => Promise<void>,
): CredentialsProvider {
  let cached: { credentials: AwsCredentials; refreshAt: number } | undefined;
  let inflight: Promise<AwsCredentials> | undefined;
  let failure: { error: unknown; at: number } | undefined;
  const current = (): AwsCredentials | undefined =>
    cached && now() < cached.refreshAt ? cached.credentials : undefined;
  /** The cached credentials while they are still valid (past their refresh time, before expiry). */
  const stillValid = (): AwsCredentials | undefined => {
    const expiresAt = cached?.credentials.expiresAt;
    return expiresAt !== undefined && now() < expiresAt - EXPIRY_SAFETY_MS ? cached!.credentials : undefined;
  };
  return {
    description,
    current,
    get(): Promise<AwsCredentials> {
      const fresh = current();
      if (fresh) return Promise.resolve(fresh);
      if (failure && now() - failure.at < FAILURE_HOLD_MS) {
        const old = stillValid();
        return old ? Promise.resolve(old) : Promise.reject(failure.error);
      }
      inflight ??= (async () => {
        const fetchedAt = now();
        let credentials: AwsCredentials;
        try {
          credentials = await fetch();
        } catch (error) {
          failure = { error, at: now() };
          const old = stillValid();
          if (old) return old;
          throw error;
        }
        failure = undefined;
        const lifetime = credentials.expiresAt === undefined ? Infinity : credentials.expiresAt - fetchedAt;
        const margin = Math.min(DEFAULT_REFRESH_MARGIN_SECONDS * 1000, lifetime / 2);
        cached = { credentials, refreshAt: fetchedAt + lifetime - margin };
        return credentials;
      })().finally(() => {
        inflight = undefined;
      });
      return inflight;
    },
    invalidate(refused: AwsCredentials): void {
      if (cached?.credentials === refused) cached = undefined;
    },
    ...(close ? { close } : {}),
  };
}

/** An undici pool for credential calls, with the configuration's timeouts. */
function credentialsAgent(timeouts: ResolvedTimeoutsConfig): Agent {
  return new Agent({
    connect: {
      timeout: timeouts.connectMs,
      rejectUnauthorized: true, // always (the default); stated so no one "fixes" it away
    },
    headersTimeout: timeouts.headersMs,
    bodyTimeout: timeouts.bodyMs,
  });
}

/** One bounded exchange; transport failures become CredentialsUnavailableError(NO_RESPONSE). */
async function exchange(
  agent: Agent,
  url: URL,
  what: string,
  init: { method: string; headers: Record<string, string>; body?: string },
): Promise<{ status: number; text: string }> {
  try {
    const response = await sendRequest(url, {
      dispatcher: agent,
      method: init.method,
      headers: init.headers,
      body: init.body ?? null,
      maxBodyBytes: MAX_CREDENTIALS_RESPONSE_BYTES,
    });
    const body = await response.body.bytesAll();
    return { status: response.statusCode, text: body.toString('utf8') };
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    const shown =
      error instanceof GatewayError ? error.code : typeof code === 'string' ? code : 'request failed';
    throw unavailable(`${what} could not be reached (${shown})`, 'NO_RESPONSE', error);
  }
}

/** An ISO 8601 timestamp as epoch ms, or undefined. */
function parseExpiration(text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const ms = Date.parse(text);
  return Number.isFinite(ms) ? ms : undefined;
}

/** The ECS/EKS container credentials endpoint. */
export function containerCredentials(ctx: ProviderContext): CredentialsProvider {
  const agent = credentialsAgent(ctx.timeouts);
  const endpoint = (): URL => {
    const relative = ctx.env.AWS_CONTAINER_CREDENTIALS_RELATIVE_URI;
    if (relative) return new URL(relative, CONTAINER_CREDENTIALS_HOST);
    const full = ctx.env.AWS_CONTAINER_CREDENTIALS_FULL_URI;
    if (!full) {
      throw unavailable(
        'neither AWS_CONTAINER_CREDENTIALS_RELATIVE_URI nor AWS_CONTAINER_CREDENTIALS_FULL_URI is set',
        'NOT_SET',
      );
    }
    let url: URL;
    try {
      url = new URL(full);
    } catch {
      throw unavailable('AWS_CONTAINER_CREDENTIALS_FULL_URI is not a URL', 'NOT_SET');
    }
    if (url.protocol !== 'https:' && !(url.protocol === 'http:' && CONTAINER_HTTP_HOSTS.has(url.hostname))) {
      throw unavailable(
        `AWS_CONTAINER_CREDENTIALS_FULL_URI host ${url.hostname} is neither https nor a loopback or ECS/EKS agent address`,
        'NOT_SET',
      );
    }
    return url;
  };
  const token = (): string | undefined => {
    const file = ctx.env.AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE;
    if (file) {
      try {
        return readFileSync(file, 'utf8').trim();
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        throw unavailable(
          `AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE ${file} can not be read`,
          typeof code === 'string' ? code : 'NOT_SET',
        );
      }
    }
    return ctx.env.AWS_CONTAINER_AUTHORIZATION_TOKEN || undefined;
  };
  const fetch = async (): Promise<AwsCredentials> => {
    const url = endpoint();
    const auth = token();
    const where = `the container credentials endpoint ${url.origin}${url.pathname}`;
    const { status, text } = await exchange(agent, url, where, {
      method: 'GET',
      headers: { accept: 'application/json', ...(auth ? { authorization: auth } : {}) },
    });
    if (status !== 200) throw unavailable(`${where} answered ${status}`, `HTTP_${status}`);
    let body: Record<string, unknown>;
    try {
      body = JSON.parse(text) as Record<string, unknown>;
    } catch {
      throw unavailable(`${where} answered something other than JSON`, 'BAD_RESPONSE');
    }
    const { AccessKeyId, SecretAccessKey, Token, Expiration } = body;
    if (
      typeof AccessKeyId !== 'string' ||
      typeof SecretAccessKey !== 'string' ||
      !AccessKeyId ||
      !SecretAccessKey
    ) {
      throw unavailable(`${where} answered without AccessKeyId/SecretAccessKey`, 'BAD_RESPONSE');
    }
    const expiresAt = parseExpiration(typeof Expiration === 'string' ? Expiration : undefined);
    return {
      accessKeyId: AccessKeyId,
      secretAccessKey: SecretAccessKey,
      ...(typeof Token === 'string' && Token ? { sessionToken: Token } : {}),
      ...(expiresAt !== undefined ? { expiresAt } : {}),
    };
  };
  return cachingProvider('container', fetch, ctx.now, () => agent.close());
}

/** STS's regional endpoint for a region. */
export function stsEndpointFor(region: string): string {
  return `https://sts.${region}.amazonaws.com${region.startsWith('cn-') ? '.cn' : ''}/`;
}

/** The text of the first `<tag>…</tag>` in an XML document, entities decoded. */
function xmlText(xml: string, tag: string): string | undefined {
  const match = new RegExp(`<${tag}>([^<]*)</${tag}>`).exec(xml);
  if (!match) return undefined;
  return match[1]
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
}

/** An AWS error code is quoted in messages only when it looks like one (a server could echo anything). */
const AWS_ERROR_CODE = /^[A-Za-z][A-Za-z0-9.]{1,63}$/;

/** application/x-www-form-urlencoded with SigV4's encoding (what the AWS SDKs send to query APIs). */
function formBody(params: ReadonlyArray<readonly [string, string]>): string {
  return params.map(([name, value]) => `${uriEncode(name)}=${uriEncode(value)}`).join('&');
}

/** `sts:AssumeRole`, signed with the base provider's credentials; cached and single-flight. */
export function assumeRoleCredentials(
  options: Extract<SigV4CredentialsOptions, { source: 'assume-role' }>,
  base: CredentialsProvider,
  region: string,
  ctx: ProviderContext,
): CredentialsProvider {
  const stsRegion = options.stsRegion ?? region;
  const endpoint = new URL(options.stsEndpoint ?? stsEndpointFor(stsRegion));
  const where = `STS ${endpoint.origin}`;
  const agent = credentialsAgent(ctx.timeouts);
  const keys = new SigningKeyCache(stsRegion, 'sts');
  const params: Array<readonly [string, string]> = [
    ['Action', 'AssumeRole'],
    ['Version', '2011-06-15'],
    ['RoleArn', options.roleArn],
    ['RoleSessionName', options.sessionName ?? DEFAULT_ASSUME_ROLE_SESSION_NAME],
    ['DurationSeconds', String(options.durationSeconds ?? DEFAULT_ASSUME_ROLE_DURATION_SECONDS)],
  ];
  if (options.externalId !== undefined) params.push(['ExternalId', options.externalId]);
  const body = formBody(params);
  const bodyHash = payloadSha256(body);
  const contentType = 'application/x-www-form-urlencoded; charset=utf-8';

  const fetch = async (): Promise<AwsCredentials> => {
    const signer = await base.get();
    const date = amzDate(ctx.now());
    const scope = credentialScope(date.slice(0, 8), stsRegion, 'sts');
    const signed: Record<string, string> = {
      'content-type': contentType,
      host: endpoint.host,
      'x-amz-content-sha256': bodyHash,
      'x-amz-date': date,
    };
    if (signer.sessionToken) signed['x-amz-security-token'] = signer.sessionToken;
    const canonical = canonicalRequest({
      method: 'POST',
      url: endpoint,
      headers: signed,
      payloadHash: bodyHash,
      singleEncodePath: false,
    });
    const signature = signatureOf(
      keys.key(signer.secretAccessKey, date.slice(0, 8)),
      stringToSign(date, scope, canonical.text),
    );
    const { status, text } = await exchange(agent, endpoint, where, {
      method: 'POST',
      headers: {
        ...signed,
        accept: 'text/xml',
        authorization: authorizationHeader(signer.accessKeyId, scope, canonical.signedHeaders, signature),
      },
      body,
    });
    if (status !== 200) {
      const code = xmlText(text, 'Code');
      const shown = code !== undefined && AWS_ERROR_CODE.test(code) ? code : `HTTP_${status}`;
      throw unavailable(`${where} refused AssumeRole of ${options.roleArn} (${status} ${shown})`, shown);
    }
    const accessKeyId = xmlText(text, 'AccessKeyId');
    const secretAccessKey = xmlText(text, 'SecretAccessKey');
    const sessionToken = xmlText(text, 'SessionToken');
    const expiresAt = parseExpiration(xmlText(text, 'Expiration'));
    if (!accessKeyId || !secretAccessKey || !sessionToken || expiresAt === undefined) {
      throw unavailable(
        `${where} answered AssumeRole of ${options.roleArn} without complete credentials`,
        'BAD_RESPONSE',
      );
    }
    return { accessKeyId, secretAccessKey, sessionToken, expiresAt };
  };
  return cachingProvider(`assume-role ${options.roleArn}`, fetch, ctx.now, async () => {
    await Promise.all([agent.close(), base.close?.()]);
  });
}

/** The provider for a credentials option. */
export function createCredentialsProvider(
  options: SigV4CredentialsOptions,
  region: string,
  ctx: ProviderContext,
): CredentialsProvider {
  switch (options.source) {
    case 'environment':
      return environmentCredentials(ctx.env, ctx.now);
    case 'container':
      return containerCredentials(ctx);
    case 'assume-role': {
      const base =
        (options.baseCredentials ?? 'environment') === 'container'
          ? containerCredentials(ctx)
          : environmentCredentials(ctx.env, ctx.now);
      return assumeRoleCredentials(options, base, region, ctx);
    }
  }
}
