import type { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { DEFAULT_SECRET_CACHE_SECONDS } from '../config/defaults';
import type { SecretsManagerRef } from '../config/types';
import { CredentialsUnavailableError } from '../core/errors';
import {
  DEFAULT_SECRET_MAX_STALE_SECONDS,
  DEFAULT_SECRET_STALE_RETRY_SECONDS,
  DEFAULT_SECRETS_MANAGER_CONNECT_TIMEOUT_MS,
  DEFAULT_SECRETS_MANAGER_REQUEST_TIMEOUT_MS,
} from './defaults';
import { contentVersion, pickJsonKey, secretFailure } from './describe';
import { warningsToStderr, type LogSink, type SecretValue } from './types';

export interface SecretsManagerSourceOptions {
  /** How long a read value is used before Secrets Manager is asked again. @default 300 */
  readonly cacheSeconds?: number;
  /** How long past its expiry the last good value is still served when Secrets Manager fails. @default 900 */
  readonly maxStaleSeconds?: number;
  /** While serving a stale value, ask Secrets Manager again at most this often. @default 10 */
  readonly staleRetrySeconds?: number;
  /** The clock in milliseconds (tests replace it). @default Date.now */
  readonly now?: () => number;
  /** Creates the client of a region; called once per region, on first use. @default - an SDK client with timeouts */
  readonly clientFor?: (region: string) => SecretsManagerClient;
  /** Where failed reads and stale serving are logged. @default - warnings and errors as JSON lines on stderr */
  readonly log?: LogSink;
}

interface CacheEntry {
  readonly content: string;
  readonly version: string;
  readonly expiresAt: number;
  /** After a failed refresh: no new call before this time. */
  retryAt: number;
}

export interface SecretsManagerSource {
  resolve(ref: SecretsManagerRef): Promise<SecretValue>;
  /** The cached value while it is fresh (not past `cacheSeconds`); else undefined. */
  resolveNow(ref: SecretsManagerRef): SecretValue | undefined;
}

/** `arn:<partition>:secretsmanager:<region>:<account>:secret:<name>` → region, or undefined. */
export function regionOfSecretArn(arn: string): string | undefined {
  const parts = arn.split(':');
  if (parts.length < 7 || parts[0] !== 'arn' || parts[2] !== 'secretsmanager' || parts[5] !== 'secret') {
    return undefined;
  }
  return /^[a-z]{2}(-[a-z]+)+-\d+$/.test(parts[3]) ? parts[3] : undefined;
}

/**
 * The SDK is loaded on first use, not at start: the Lambda runtime provides it (the bundle keeps it
 * external), and a runtime that reads only file and env secrets (the standalone proxy) never needs it.
 */
function loadSdk(): Promise<typeof import('@aws-sdk/client-secrets-manager')> {
  return import('@aws-sdk/client-secrets-manager');
}

async function defaultClientFor(region: string): Promise<SecretsManagerClient> {
  const { SecretsManagerClient } = await loadSdk();
  return new SecretsManagerClient({
    region,
    requestHandler: {
      connectionTimeout: DEFAULT_SECRETS_MANAGER_CONNECT_TIMEOUT_MS,
      requestTimeout: DEFAULT_SECRETS_MANAGER_REQUEST_TIMEOUT_MS,
    },
  });
}

/**
 * Secrets Manager with a cache per ARN: one `GetSecretValue` per ARN and TTL however many requests ask
 * (single flight), the VersionId as version. When a refresh fails after a successful read, the last
 * good value is served for a bounded time (`maxStaleSeconds` past its expiry) and the failure logged;
 * after that, or without any earlier value, resolving fails with CredentialsUnavailableError (503).
 */
export function createSecretsManagerSource(options: SecretsManagerSourceOptions = {}): SecretsManagerSource {
  const now = options.now ?? Date.now;
  const ttlMs = (options.cacheSeconds ?? DEFAULT_SECRET_CACHE_SECONDS) * 1000;
  const maxStaleMs = (options.maxStaleSeconds ?? DEFAULT_SECRET_MAX_STALE_SECONDS) * 1000;
  const staleRetryMs = (options.staleRetrySeconds ?? DEFAULT_SECRET_STALE_RETRY_SECONDS) * 1000;
  const clientFor: (region: string) => SecretsManagerClient | Promise<SecretsManagerClient> =
    options.clientFor ?? defaultClientFor;
  const log = options.log ?? warningsToStderr;
  const cache = new Map<string, CacheEntry>();
  const inFlight = new Map<string, Promise<CacheEntry>>();

  const clients = new Map<string, Promise<SecretsManagerClient>>();
  function client(region: string): Promise<SecretsManagerClient> {
    let c = clients.get(region);
    if (!c) {
      c = Promise.resolve(clientFor(region));
      clients.set(region, c);
    }
    return c;
  }

  async function fetchSecret(ref: SecretsManagerRef, region: string): Promise<CacheEntry> {
    const arn = ref.secretArn;
    try {
      const [{ GetSecretValueCommand }, c] = await Promise.all([loadSdk(), client(region)]);
      const out = await c.send(new GetSecretValueCommand({ SecretId: arn }));
      const content =
        out.SecretString ?? (out.SecretBinary ? Buffer.from(out.SecretBinary).toString('utf8') : undefined);
      if (content === undefined) {
        throw new CredentialsUnavailableError(`secret ${arn}: Secrets Manager returned no value`);
      }
      const entry: CacheEntry = {
        content,
        version: out.VersionId ?? contentVersion(content),
        expiresAt: now() + ttlMs,
        retryAt: 0,
      };
      cache.set(arn, entry);
      return entry;
    } catch (error) {
      const reason = error instanceof CredentialsUnavailableError ? 'NO_VALUE' : errorName(error);
      const previous = cache.get(arn);
      const at = now();
      if (previous && at < previous.expiresAt + maxStaleMs) {
        previous.retryAt = at + staleRetryMs;
        log({
          level: 'warn',
          event: 'secret-refresh-failed-serving-stale',
          secretArn: arn,
          reason,
          staleForSeconds: Math.max(0, Math.round((at - previous.expiresAt) / 1000)),
        });
        return previous;
      }
      log({ level: 'error', event: 'secret-read-failed', secretArn: arn, reason });
      throw secretFailure(ref, reason, `: GetSecretValue failed (${reason})`, error);
    }
  }

  return {
    resolveNow(ref) {
      const entry = cache.get(ref.secretArn);
      if (entry === undefined || now() >= entry.expiresAt) return undefined;
      try {
        return { value: pickJsonKey(entry.content, ref), version: entry.version };
      } catch {
        return undefined; // resolve() reports it
      }
    },
    async resolve(ref) {
      const region = regionOfSecretArn(ref.secretArn);
      if (region === undefined) {
        throw secretFailure(
          ref,
          'NOT_AN_ARN',
          ': not a Secrets Manager secret ARN (arn:<partition>:secretsmanager:<region>:<account>:secret:<name>)',
        );
      }
      const at = now();
      let entry = cache.get(ref.secretArn);
      const fresh =
        entry !== undefined &&
        (at < entry.expiresAt || (at < entry.retryAt && at < entry.expiresAt + maxStaleMs));
      if (!fresh) {
        let pending = inFlight.get(ref.secretArn);
        if (!pending) {
          pending = fetchSecret(ref, region).finally(() => inFlight.delete(ref.secretArn));
          inFlight.set(ref.secretArn, pending);
        }
        entry = await pending;
      }
      return { value: pickJsonKey(entry!.content, ref), version: entry!.version };
    },
  };
}

/** The AWS error's name (e.g. AccessDeniedException) or the Node error code; never a message. */
function errorName(error: unknown): string {
  const e = error as { name?: unknown; code?: unknown } | undefined;
  if (typeof e?.code === 'string') return e.code;
  if (typeof e?.name === 'string' && e.name !== 'Error') return e.name;
  return 'unknown error';
}
