/**
 * `gateway-runtime check` and the Lambda check event: every step between the configuration and an
 * authenticated answer, one line each, so an operator learns what is wrong before a customer does.
 *
 *   secrets → DNS (backend, token endpoint) → TCP → TLS (chain, names, days to expiry) → token → request
 *
 * A step whose prerequisite failed is skipped. The exit code is the failure class of the first failed
 * step (CHECK_EXIT_CODES). Lines name references, addresses, certificate names and error codes, never a
 * secret value or a token.
 */
import { lookup as systemLookup } from 'node:dns/promises';
import { connect as netConnect, isIP, type Socket } from 'node:net';
import { connect as tlsConnect, type TLSSocket } from 'node:tls';
import { X509Certificate } from 'node:crypto';
import { resolveConfig } from './config/resolve';
import type { GatewayConfig } from './config/types';
import { GatewayError } from './core/errors';
import { createGatewayResolvers, type BackendResolver } from './io/resolver';
import { buildTlsMaterial, resolveTlsSecrets } from './io/tls';
import { createGateway, type GatewayDeps } from './proxy';
import { createAuthScheme } from './schemes';
import { createSecretResolver } from './secrets';
import { checkSecrets } from './secrets/check';
import type { SecretResolver } from './secrets/types';

/** The failure classes, in the order the steps run; a check exits with the first failed step's code. */
export const CHECK_EXIT_CODES = {
  ok: 0,
  /** (CLI) a usage error or an invalid configuration document. */
  config: 2,
  secret: 3,
  dns: 4,
  tcp: 5,
  tls: 6,
  token: 7,
  request: 8,
} as const;
export type CheckClass = Exclude<keyof typeof CHECK_EXIT_CODES, 'ok'>;

export interface CheckStep {
  readonly class: CheckClass;
  /** What was checked, e.g. `secret security.password`, `dns backend orders.acme.internal`. */
  readonly step: string;
  readonly status: 'ok' | 'FAIL' | 'skip';
  readonly detail: string;
}

export interface CheckResult {
  readonly ok: boolean;
  readonly exitCode: number;
  readonly steps: readonly CheckStep[];
}

export interface CheckOptions {
  /** A backend path to send one authenticated GET to (e.g. `/health`). @default - no request */
  readonly path?: string;
  /** Called with every step as it completes (the CLI prints it at once). */
  readonly onStep?: (step: CheckStep) => void;
  /** @default - a new resolver over the configuration's sources */
  readonly secrets?: SecretResolver;
  /** Gateway dependencies for the request step (tests). */
  readonly deps?: GatewayDeps;
  /** @default Date.now */
  readonly now?: () => number;
}

const DAY_MS = 86_400_000;
const EARLIER = 'an earlier step failed';

/** One line of the check's output: `ok   step: detail`. */
export function formatStep(step: CheckStep): string {
  return `${step.status.padEnd(4)} ${step.step}: ${step.detail}`;
}

/** The reason of a failure, as a line can carry it: our own messages (references, never values) or a code. */
function reasonOf(error: unknown): string {
  if (error instanceof GatewayError) return `${error.message} (${error.code})`;
  const e = error as { code?: unknown; message?: unknown } | undefined;
  const code = typeof e?.code === 'string' ? e.code : undefined;
  const message = typeof e?.message === 'string' ? e.message : String(error);
  return code && !message.includes(code) ? `${message} (${code})` : message;
}

function withTimeout<T>(promise: Promise<T>, ms: number, what: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  return Promise.race([
    promise,
    new Promise<never>((_, reject) => {
      timer = setTimeout(
        () => reject(Object.assign(new Error(`${what} timed out after ${ms} ms`), { code: 'ETIMEDOUT' })),
        ms,
      );
    }),
  ]).finally(() => clearTimeout(timer));
}

async function resolveName(
  host: string,
  resolver: BackendResolver | undefined,
): Promise<{ addresses: string[]; via: string }> {
  if (isIP(host) !== 0) return { addresses: [host], via: 'an address' };
  if (resolver) {
    const found = await resolver.resolve(host);
    return { addresses: found.map((a) => a.address), via: 'configured DNS' };
  }
  const found = await systemLookup(host, { all: true });
  return { addresses: found.map((a) => a.address), via: 'system resolver' };
}

function openTcp(address: string, port: number, timeoutMs: number): Promise<Socket> {
  return withTimeout(
    new Promise<Socket>((resolve, reject) => {
      const socket = netConnect({ host: address, port });
      socket.once('connect', () => resolve(socket));
      socket.once('error', reject);
    }),
    timeoutMs,
    'connect',
  );
}

function describeCert(cert: X509Certificate, now: number): string {
  const cn = /CN=([^\n,]+)/.exec(cert.subject)?.[1] ?? cert.subject.replace(/\n/g, ',');
  const days = Math.floor((Date.parse(cert.validTo) - now) / DAY_MS);
  return `${cn} (${days} days to expiry)`;
}

/** Runs every check of `config`; never throws for a failed step. */
export async function runChecks(written: GatewayConfig, options: CheckOptions = {}): Promise<CheckResult> {
  const config = resolveConfig(written);
  const now = options.now ?? Date.now;
  const steps: CheckStep[] = [];
  const add = (step: CheckStep) => {
    steps.push(step);
    options.onStep?.(step);
    return step.status !== 'FAIL';
  };
  const quiet = () => undefined;
  const secrets =
    options.secrets ?? createSecretResolver({ cacheSeconds: config.secretCacheSeconds, log: quiet });
  const connectMs = config.timeouts.connectMs;

  // 1. Every secret.
  const secretChecks = await checkSecrets(config, secrets);
  for (const c of secretChecks) {
    add({
      class: 'secret',
      step: `secret ${c.path}`,
      status: c.ok ? 'ok' : 'FAIL',
      detail: c.ok ? c.secret : `${c.message} [${c.reason}]`,
    });
  }
  const secretsOk = secretChecks.every((c) => c.ok);

  // 2. Names, through the configured DNS servers (or pins) as the gateway resolves them.
  const resolvers = createGatewayResolvers(config, { log: quiet, now });
  const backendUrl = new URL(config.backend.url);
  const backendHost = backendUrl.hostname.replace(/^\[|\]$/g, '');
  const backendPort = Number(backendUrl.port || (backendUrl.protocol === 'https:' ? 443 : 80));
  let backendAddresses: string[] | undefined;
  try {
    const found = await resolveName(backendHost, resolvers.backend);
    backendAddresses = found.addresses;
    add({
      class: 'dns',
      step: `dns backend ${backendHost}`,
      status: 'ok',
      detail: `${found.addresses.join(', ')} (${found.via})`,
    });
  } catch (error) {
    add({ class: 'dns', step: `dns backend ${backendHost}`, status: 'FAIL', detail: reasonOf(error) });
  }
  let tokenOk = true;
  const security = config.security;
  if (security.type === 'oauth2-client-credentials') {
    const tokenHost = new URL(security.tokenUrl).hostname.replace(/^\[|\]$/g, '');
    try {
      const found = await resolveName(tokenHost, resolvers.tokenEndpoint);
      add({
        class: 'dns',
        step: `dns token endpoint ${tokenHost}`,
        status: 'ok',
        detail: `${found.addresses.join(', ')} (${found.via})`,
      });
    } catch (error) {
      tokenOk = false;
      add({ class: 'dns', step: `dns token endpoint ${tokenHost}`, status: 'FAIL', detail: reasonOf(error) });
    }
  }

  // 3. TCP to the backend's first address, then TLS over that connection as the gateway would.
  let transportOk = false;
  const target = backendAddresses?.[0];
  if (target === undefined) {
    add({
      class: 'tcp',
      step: `tcp backend port ${backendPort}`,
      status: 'skip',
      detail: 'the name did not resolve',
    });
  } else {
    const where = `${isIP(target) === 6 ? `[${target}]` : target}:${backendPort}`;
    let socket: Socket | undefined;
    try {
      const started = now();
      socket = await openTcp(target, backendPort, connectMs);
      transportOk = add({
        class: 'tcp',
        step: `tcp ${where}`,
        status: 'ok',
        detail: `connected in ${now() - started} ms`,
      });
    } catch (error) {
      add({ class: 'tcp', step: `tcp ${where}`, status: 'FAIL', detail: reasonOf(error) });
    }
    if (socket && backendUrl.protocol === 'https:') {
      transportOk = await checkTls(config, secrets, socket, backendHost, connectMs, now(), add);
    } else {
      socket?.destroy();
    }
  }

  // 4. A token, or AWS credentials (SigV4: the variables, the container endpoint or the AssumeRole call),
  // where the scheme has them.
  if (security.type === 'oauth2-client-credentials' || security.type === 'sigv4') {
    const sigv4 = security.type === 'sigv4';
    const step =
      security.type === 'sigv4'
        ? `credentials ${security.credentials?.source ?? 'environment'}`
        : `token ${new URL(security.tokenUrl).origin}`;
    if (!tokenOk || !secretsOk) {
      tokenOk = false;
      add({
        class: 'token',
        step,
        status: 'skip',
        detail: EARLIER,
      });
    } else {
      const scheme = createAuthScheme(security, {
        secrets,
        now,
        ...(resolvers.tokenEndpoint ? { tokenEndpointResolver: resolvers.tokenEndpoint } : {}),
        timeouts: config.timeouts,
      });
      try {
        const headers = await scheme.authorize({ method: 'GET', url: backendUrl, headers: {} } as never);
        tokenOk = add({
          class: 'token',
          step,
          status: 'ok',
          detail: sigv4
            ? 'available: a request was signed'
            : `issued (${Object.keys(headers).join(', ')} set)`,
        });
      } catch (error) {
        tokenOk = add({ class: 'token', step, status: 'FAIL', detail: reasonOf(error) });
      } finally {
        await scheme.close?.();
      }
    }
  }
  resolvers.backend?.close();
  resolvers.tokenEndpoint?.close();

  // 5. One authenticated request through the gateway itself.
  if (options.path !== undefined) {
    const step = `request GET ${options.path}`;
    if (!secretsOk || !transportOk || !tokenOk) {
      add({ class: 'request', step, status: 'skip', detail: EARLIER });
    } else {
      // The operator's own request: trustedSources (which admit the callers' addresses) do not apply.
      const gateway = createGateway(
        { ...config, trustedSources: undefined },
        { logSink: quiet, metricsSink: quiet, secrets, ...options.deps },
      );
      try {
        const started = now();
        const response = await gateway.handle(
          { method: 'GET', path: options.path, headers: {}, protocol: 'https' },
          { bufferResponse: true },
        );
        let detail = `${response.status} in ${now() - started} ms`;
        if (
          response.headers['content-type'] === 'application/problem+json' &&
          Buffer.isBuffer(response.body)
        ) {
          detail += ` ${(JSON.parse(response.body.toString()) as { code?: string }).code ?? ''}`.trimEnd();
        } else if (response.status === 401 || response.status === 403) {
          detail += ': the backend refused the credentials';
        }
        add({ class: 'request', step, status: response.status < 400 ? 'ok' : 'FAIL', detail });
      } finally {
        await gateway.close();
      }
    }
  }

  const failed = steps.find((s) => s.status === 'FAIL');
  return { ok: failed === undefined, exitCode: failed ? CHECK_EXIT_CODES[failed.class] : 0, steps };
}

/** TLS over the open socket with the gateway's own material: chain, names, days to expiry. */
async function checkTls(
  config: GatewayConfig,
  secrets: SecretResolver,
  socket: Socket,
  host: string,
  timeoutMs: number,
  now: number,
  add: (step: CheckStep) => boolean,
): Promise<boolean> {
  const tlsConfig = config.backend.tls;
  const step = `tls ${tlsConfig?.servername ?? host}`;
  let material;
  try {
    material = buildTlsMaterial(tlsConfig, await resolveTlsSecrets(tlsConfig, secrets));
  } catch (error) {
    socket.destroy();
    return add({ class: 'tls', step, status: 'FAIL', detail: `our TLS material: ${reasonOf(error)}` });
  }
  const servername = tlsConfig?.servername ?? (isIP(host) === 0 ? host : undefined);
  let tls: TLSSocket | undefined;
  try {
    tls = await withTimeout(
      new Promise<TLSSocket>((resolve, reject) => {
        const s = tlsConnect({ ...material.connect, socket, host, ...(servername ? { servername } : {}) });
        s.once('secureConnect', () => resolve(s));
        s.once('error', reject);
      }),
      timeoutMs,
      'TLS handshake',
    );
    const chain: string[] = [];
    let peer = tls.getPeerCertificate(true);
    const seen = new Set<string>();
    while (peer?.raw && !seen.has(peer.fingerprint256)) {
      seen.add(peer.fingerprint256);
      chain.push(describeCert(new X509Certificate(peer.raw), now));
      peer = peer.issuerCertificate;
    }
    const leaf = tls.getPeerX509Certificate();
    const names = leaf?.subjectAltName ?? '(no subject alternative names)';
    const client = material.clientCertificate
      ? `; our client certificate ${describeCert(material.clientCertificate, now)}`
      : '';
    return add({
      class: 'tls',
      step,
      status: 'ok',
      detail: `${tls.getProtocol()}, verified; chain ${chain.join(' <- ')}; names ${names}${client}`,
    });
  } catch (error) {
    const client = material.clientCertificate
      ? `; our client certificate ${describeCert(material.clientCertificate, now)}`
      : '';
    return add({ class: 'tls', step, status: 'FAIL', detail: `${reasonOf(error)}${client}` });
  } finally {
    tls?.destroy();
    socket.destroy();
  }
}
