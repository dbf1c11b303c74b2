/**
 * The standalone server's inbound side: HTTPS, client certificates and the rule that keeps a DMZ
 * proxy from becoming an open door.
 *
 * - `checkListenAddress`: beyond loopback, the server starts only with `server.tls.clientCa` (or a
 *   stated `server.unauthenticatedReason`, which is then logged as a warning at every start).
 * - `prepareInbound`: loads `server.tls` (secret references, as every secret) and makes the HTTPS
 *   server: TLS 1.2 minimum (1.3 preferred: OpenSSL picks the highest version both sides speak), TLS 1.3
 *   suites and ECDHE with AEAD for TLS 1.2, server cipher order. With `clientCa`, a client without a
 *   certificate that chains to it is refused during the handshake (`requestCert` + `rejectUnauthorized`);
 *   only `clientCa` is trusted for clients, never Node's public CAs. The admitted identities
 *   (`allowedClientNames`, `allowedClientSpkiSha256`) are checked in addition, once per connection: a
 *   client that matches none is answered `403 CLIENT_NOT_ALLOWED` and its connection closed; nothing
 *   reaches the backend.
 * - Rotation: the material is re-read every `DEFAULT_SERVER_TLS_CHECK_MS` (and on `reload()`, SIGHUP in
 *   the CLI); when a version changed, `server.setSecureContext` serves the new certificate to new
 *   connections, without a restart. New material that does not load keeps the current one (logged).
 */
import { X509Certificate } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import type {
  ServerOptions as HttpServerOptions,
  IncomingMessage,
  RequestListener,
  Server,
  ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import { BlockList, isIP, type Socket } from 'node:net';
import { createSecureContext, type SecureContextOptions, type TLSSocket } from 'node:tls';
import { DEFAULT_SERVER_TLS_CHECK_MS } from '../config/defaults';
import type { GatewayConfig, SecretRef, ServerTlsConfig } from '../config/types';
import {
  ClientNotAllowedError,
  ConfigError,
  CredentialsUnavailableError,
  GatewayError,
  toProblem,
} from '../core/errors';
import { loadPrivateKey, parseCertificates, spkiSha256 } from '../io/tls';
import { pathForLog, type ClientIdentity, type Logger } from '../observability/log';
import { describeSecretRef } from '../secrets/describe';
import type { SecretResolver } from '../secrets/types';

/** The oldest TLS version a client may speak to the standalone server. */
export const INBOUND_MIN_TLS_VERSION = 'TLSv1.2';
/**
 * TLS 1.3 suites, then ECDHE key exchange with AEAD ciphers for TLS 1.2 (forward secrecy, no CBC, no
 * RSA key exchange, no SHA-1 MACs): the Mozilla "intermediate" list without its DHE suites.
 */
export const INBOUND_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-CHACHA20-POLY1305',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES128-GCM-SHA256',
].join(':');
/**
 * A client that has not finished the handshake after this long is disconnected (Node's default is 120 s,
 * which lets a slow client hold a connection open on an internet-facing port for two minutes).
 */
export const INBOUND_HANDSHAKE_TIMEOUT_MS = 10_000;
/** Key-exchange groups, in order of preference. */
export const INBOUND_ECDH_CURVES = 'X25519:P-256:P-384';
/** A server certificate with fewer days left than this is warned about whenever it is loaded. */
export const SERVER_CERTIFICATE_WARNING_DAYS = 14;
/** Refused handshakes (scanners, clients without a certificate) are logged at most this often. */
const REFUSAL_LOG_INTERVAL_MS = 1_000;
/** The same material warning is logged at most this often. */
const WARNING_INTERVAL_MS = 60_000;

const LOOPBACK = new BlockList();
LOOPBACK.addSubnet('127.0.0.0', 8, 'ipv4');
LOOPBACK.addAddress('::1', 'ipv6');
LOOPBACK.addSubnet('::ffff:127.0.0.0', 104, 'ipv6');

/** True for 127.0.0.0/8, ::1 and IPv4-mapped 127.x; false for anything else, `0.0.0.0` and `::` included. */
export function isLoopbackAddress(address: string): boolean {
  const family = isIP(address);
  if (family === 0) return false;
  return LOOPBACK.check(address, family === 4 ? 'ipv4' : 'ipv6');
}

/** The addresses a host name or address listens on. */
export type ResolveHost = (host: string) => Promise<readonly string[]>;

const resolveAll: ResolveHost = async (host) =>
  isIP(host) !== 0 ? [host] : (await lookup(host, { all: true })).map((entry) => entry.address);

/**
 * Safe by default: listening on anything but loopback needs `server.tls.clientCa`, else a DMZ proxy
 * adds the backend's credentials to anyone's request. Throws a ConfigError naming
 * `server.tls.clientCa` (the CLI exits 2), unless `server.unauthenticatedReason` is stated: then it
 * returns the warning to log at start. Host names are resolved; one non-loopback address is enough.
 */
export async function checkListenAddress(
  config: GatewayConfig,
  host: string,
  resolveHost: ResolveHost = resolveAll,
): Promise<string | undefined> {
  if (config.server?.tls?.clientCa !== undefined) return undefined;
  const exposed = (await resolveHost(host)).filter((address) => !isLoopbackAddress(address));
  if (exposed.length === 0) return undefined;
  const where = exposed.length === 1 && exposed[0] === host ? host : `${host} (${exposed.join(', ')})`;
  const reason = config.server?.unauthenticatedReason;
  if (reason === undefined) {
    throw new ConfigError([
      {
        path: 'server.tls.clientCa',
        message:
          `is required to listen on ${where}, which is not a loopback address: without client certificates, ` +
          "anyone who reaches the port has requests forwarded with the backend's credentials. Set server.tls " +
          '(certificate, key, clientCa), listen on 127.0.0.1, or state why not in server.unauthenticatedReason',
      },
    ]);
  }
  return `listening on ${where} without client certificates (server.unauthenticatedReason: ${reason})`;
}

/** Node prints one attribute per line, and quotes a value with special characters as a JSON string. */
const unquote = (value: string): string => {
  if (!value.startsWith('"')) return value;
  try {
    return String(JSON.parse(value));
  } catch {
    return value;
  }
};

/**
 * The entries of `X509Certificate.subjectAltName` (`DNS:a, URI:b, IP Address:c`), each as `TYPE:value`
 * with quoted values unquoted. Stops at anything it can not read, so an odd entry never matches by accident.
 */
export function parseSubjectAltName(text: string | undefined): string[] {
  if (!text) return [];
  const entry = /([A-Za-z][A-Za-z ]*):("(?:[^"\\]|\\.)*"|[^,]*)(?:, |$)/y;
  const names: string[] = [];
  while (entry.lastIndex < text.length) {
    const start = entry.lastIndex;
    const match = entry.exec(text);
    if (!match || entry.lastIndex === start) break;
    names.push(`${match[1]}:${unquote(match[2])}`);
  }
  return names;
}

/** The names `allowedClientNames` is matched against: `CN=` of the subject, `DNS:`, `URI:`, `email:` SANs. */
export function certificateNames(certificate: X509Certificate): string[] {
  const commonNames = certificate.subject
    .split('\n')
    .filter((line) => line.startsWith('CN='))
    .map((line) => `CN=${unquote(line.slice(3))}`);
  const altNames = parseSubjectAltName(certificate.subjectAltName).filter((name) =>
    /^(DNS|URI|email):/.test(name),
  );
  return [...commonNames, ...altNames];
}

/** What the logs say about a client certificate (all of it public). */
export function clientIdentity(certificate: X509Certificate): ClientIdentity {
  return {
    subject: certificate.subject.split('\n').join(','),
    ...(certificate.subjectAltName ? { subjectAltName: certificate.subjectAltName } : {}),
    issuer: certificate.issuer.split('\n').join(','),
    serial: certificate.serialNumber.toUpperCase(),
    spkiSha256: spkiSha256(certificate),
  };
}

/**
 * The check of `allowedClientNames` / `allowedClientSpkiSha256`: a certificate is admitted when one of
 * its names or its key matches one entry. Undefined when neither is configured (the chain is enough).
 */
export function clientAuthorizer(
  tls: ServerTlsConfig,
): ((certificate: X509Certificate) => boolean) | undefined {
  const names = new Set(tls.allowedClientNames ?? []);
  const pins = new Set(tls.allowedClientSpkiSha256 ?? []);
  if (names.size === 0 && pins.size === 0) return undefined;
  return (certificate) =>
    pins.has(spkiSha256(certificate)) || certificateNames(certificate).some((name) => names.has(name));
}

const PIECES = ['certificate', 'key', 'passphrase', 'clientCa'] as const;
type Piece = (typeof PIECES)[number];

interface Material {
  /** The secret versions of every piece: a new version of any of them is a rotation. */
  readonly identity: string;
  readonly options: SecureContextOptions;
  readonly certificate: X509Certificate;
}

async function resolveMaterial(
  tls: ServerTlsConfig,
  secrets: SecretResolver,
): Promise<{ identity: string; values: Partial<Record<Piece, string>> }> {
  const pieces = PIECES.filter((piece) => tls[piece] !== undefined);
  const read = await Promise.all(pieces.map((piece) => secrets.resolve(tls[piece] as SecretRef)));
  return {
    identity: pieces.map((piece, i) => `${piece}=${read[i].version}`).join(';'),
    values: Object.fromEntries(pieces.map((piece, i) => [piece, read[i].value])),
  };
}

/**
 * Checks the material and returns the secure-context options for it. Throws CredentialsUnavailableError
 * naming the secret reference that is wrong, never its content.
 */
function buildMaterial(
  tls: ServerTlsConfig,
  identity: string,
  values: Partial<Record<Piece, string>>,
): Material {
  const certName = `server certificate ${describeSecretRef(tls.certificate)}`;
  const keyName = `server key ${describeSecretRef(tls.key)}`;
  let certificate: X509Certificate | undefined;
  try {
    [certificate] = parseCertificates(values.certificate ?? '');
  } catch {
    certificate = undefined;
  }
  if (certificate === undefined)
    throw new CredentialsUnavailableError(`${certName} is not a PEM certificate`);
  const privateKey = loadPrivateKey(values.key ?? '', values.passphrase, keyName, tls.passphrase);
  if (!certificate.checkPrivateKey(privateKey)) {
    throw new CredentialsUnavailableError(`${certName} does not match ${keyName}`);
  }
  if (tls.clientCa !== undefined) {
    const caName = `client CA bundle ${describeSecretRef(tls.clientCa)}`;
    let count: number;
    try {
      count = parseCertificates(values.clientCa ?? '').length;
    } catch {
      throw new CredentialsUnavailableError(`${caName} holds an invalid certificate`);
    }
    if (count === 0) throw new CredentialsUnavailableError(`${caName} holds no PEM certificate`);
  }
  const options: SecureContextOptions = {
    cert: values.certificate,
    key: values.key,
    ...(values.passphrase !== undefined ? { passphrase: values.passphrase } : {}),
    ...(values.clientCa !== undefined ? { ca: values.clientCa } : {}),
    minVersion: INBOUND_MIN_TLS_VERSION,
    ciphers: INBOUND_CIPHERS,
    ecdhCurve: INBOUND_ECDH_CURVES,
    honorCipherOrder: true,
  };
  try {
    createSecureContext(options);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CredentialsUnavailableError(`the server TLS material can not be loaded (${code})`);
  }
  return { identity, options, certificate };
}

const certificateInfo = (certificate: X509Certificate, now: number) => ({
  serial: certificate.serialNumber.toUpperCase(),
  validTo: new Date(certificate.validTo).toISOString(),
  daysToExpiry: Math.floor((Date.parse(certificate.validTo) - now) / 86_400_000),
});

/** What a connection's client proved, and whether it is admitted. */
export interface ConnectionClient {
  readonly identity: ClientIdentity;
  readonly allowed: boolean;
}

export interface InboundTls {
  /** Makes the HTTPS server (an `https.Server`; typed as the `http.Server` it extends at run time). */
  createServer(httpOptions: HttpServerOptions, listener: RequestListener): Server;
  /** The client of a connection; undefined without `clientCa` (no certificate is asked for). */
  clientOf(socket: Socket): ConnectionClient | undefined;
  /** Answers 403 CLIENT_NOT_ALLOWED, logs the identity and closes the connection. */
  refuse(req: IncomingMessage, res: ServerResponse, client: ConnectionClient): void;
  /** Re-reads the material now; resolves true when a new certificate is served from now on. */
  reload(): Promise<boolean>;
  /** The certificate served to new connections. */
  certificate(): X509Certificate;
  /** Stops the periodic re-reading. */
  close(): void;
}

export interface InboundOptions {
  readonly secrets: SecretResolver;
  readonly logger: Logger;
  /** How often the material is re-read. @default DEFAULT_SERVER_TLS_CHECK_MS (10 s) */
  readonly checkIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /** @default DNS lookup of every address of the host */
  readonly resolveHost?: ResolveHost;
}

/**
 * Checks the listen address (see checkListenAddress; a stated reason is logged as a warning) and, with
 * `server.tls`, loads the material. Without `server.tls` it resolves undefined: plain HTTP.
 */
export async function prepareInbound(
  config: GatewayConfig,
  host: string,
  options: InboundOptions,
): Promise<InboundTls | undefined> {
  const warning = await checkListenAddress(config, host, options.resolveHost);
  if (warning) options.logger.log('warn', warning);
  const tls = config.server?.tls;
  if (!tls) return undefined;
  return loadInboundTls(tls, options);
}

export async function loadInboundTls(tls: ServerTlsConfig, options: InboundOptions): Promise<InboundTls> {
  const { secrets, logger } = options;
  const now = options.now ?? Date.now;
  const first = await resolveMaterial(tls, secrets);
  let current = buildMaterial(tls, first.identity, first.values);
  const announce = (msg: string, certificate: X509Certificate) => {
    const info = certificateInfo(certificate, now());
    logger.log('info', msg, { certificate: info });
    if (info.daysToExpiry < 0) logger.log('warn', 'server certificate has expired', { certificate: info });
    else if (info.daysToExpiry < SERVER_CERTIFICATE_WARNING_DAYS) {
      logger.log('warn', 'server certificate expires soon', { certificate: info });
    }
  };
  announce('server TLS material loaded', current.certificate);

  const authorize = clientAuthorizer(tls);
  const clients = new WeakMap<Socket, ConnectionClient>();
  let server: Server | undefined;
  let timer: NodeJS.Timeout | undefined;
  let reloading: Promise<boolean> | undefined;
  let rejectedIdentity: string | undefined;
  let lastWarning: { text: string; at: number } | undefined;
  let lastRefusal = -Infinity;
  let suppressedRefusals = 0;

  function warn(text: string, error: unknown): void {
    // Our own errors name references only; of anything else, only its code or class is logged.
    const other = error as { code?: unknown; name?: unknown } | undefined;
    const reason =
      error instanceof GatewayError ? error.message : String(other?.code ?? other?.name ?? 'unknown error');
    const line = `${text}: ${reason}`;
    const at = now();
    if (lastWarning?.text === line && at - lastWarning.at < WARNING_INTERVAL_MS) return;
    lastWarning = { text: line, at };
    logger.log('warn', line);
  }

  async function reloadOnce(): Promise<boolean> {
    // File secrets share one stat per event-loop turn (secrets/file.ts): a reload asked for in the turn
    // the files were written in reads them in the next, so it sees what was written.
    await new Promise((resolve) => setImmediate(resolve));
    let resolved;
    try {
      resolved = await resolveMaterial(tls, secrets);
    } catch (error) {
      warn('server TLS material unreadable, serving the current certificate', error);
      return false;
    }
    if (resolved.identity === current.identity || resolved.identity === rejectedIdentity) return false;
    let next: Material;
    try {
      next = buildMaterial(tls, resolved.identity, resolved.values);
    } catch (error) {
      rejectedIdentity = resolved.identity;
      warn('server TLS material invalid, serving the current certificate', error);
      return false;
    }
    // Every option again: setSecureContext builds the context from what it is given, nothing else.
    (server as unknown as { setSecureContext(o: SecureContextOptions): void } | undefined)?.setSecureContext(
      next.options,
    );
    current = next;
    rejectedIdentity = undefined;
    announce('server TLS material reloaded', next.certificate);
    return true;
  }

  const reload = (): Promise<boolean> =>
    (reloading ??= reloadOnce().finally(() => {
      reloading = undefined;
    }));

  return {
    createServer(httpOptions, listener) {
      const https = createHttpsServer(
        {
          ...httpOptions,
          ...current.options,
          // Explicit, so that nothing in the environment can admit a client without a valid certificate.
          requestCert: tls.clientCa !== undefined,
          rejectUnauthorized: true,
          handshakeTimeout: INBOUND_HANDSHAKE_TIMEOUT_MS,
        },
        listener,
      );
      // Reading the address once caches it on the raw socket: a TLS socket that Node destroys after a
      // failed verification has lost its own, and the refusal is logged with the raw socket's.
      https.on('connection', (raw: Socket) => void raw.remoteAddress);
      https.on('tlsClientError', (error: NodeJS.ErrnoException, socket: TLSSocket) => {
        socket.destroy();
        const address = socket.remoteAddress ?? (socket as { _parent?: Socket })._parent?.remoteAddress;
        const at = now();
        if (at - lastRefusal < REFUSAL_LOG_INTERVAL_MS) {
          suppressedRefusals += 1;
          return;
        }
        logger.log('warn', 'TLS handshake refused', {
          // A certificate that does not verify: Node completes the handshake, then closes the connection
          // (before any HTTP is read) and only authorizationError says why (CERT_HAS_EXPIRED, ...).
          error: socket.authorizationError?.toString() ?? error.code ?? 'TLS_HANDSHAKE_FAILED',
          ...(address ? { address } : {}),
          ...(suppressedRefusals > 0 ? { suppressed: suppressedRefusals } : {}),
        });
        lastRefusal = at;
        suppressedRefusals = 0;
      });
      server = https as unknown as Server;
      timer = setInterval(() => void reload(), options.checkIntervalMs ?? DEFAULT_SERVER_TLS_CHECK_MS);
      timer.unref();
      return server;
    },

    clientOf(socket) {
      if (tls.clientCa === undefined) return undefined;
      const known = clients.get(socket);
      if (known) return known;
      const tlsSocket = socket as TLSSocket;
      // rejectUnauthorized: an unauthorized client never gets here; this is the second lock.
      const certificate = tlsSocket.authorized ? tlsSocket.getPeerX509Certificate() : undefined;
      const client: ConnectionClient = certificate
        ? { identity: clientIdentity(certificate), allowed: authorize?.(certificate) ?? true }
        : { identity: { subject: '', issuer: '', serial: '', spkiSha256: '' }, allowed: false };
      clients.set(socket, client);
      return client;
    },

    refuse(req, res, client) {
      const problem = toProblem(new ClientNotAllowedError('client certificate not admitted'));
      logger.log('warn', 'client certificate not allowed', {
        method: req.method ?? 'GET',
        path: pathForLog(req.url ?? '/'),
        status: problem.status,
        error: problem.code,
        client: client.identity,
        ...(req.socket.remoteAddress ? { address: req.socket.remoteAddress } : {}),
      });
      res.writeHead(problem.status, {
        'content-type': 'application/problem+json',
        'cache-control': 'no-store',
        connection: 'close',
      });
      res.end(JSON.stringify(problem));
    },

    reload,
    certificate: () => current.certificate,
    close() {
      clearInterval(timer);
    },
  };
}
