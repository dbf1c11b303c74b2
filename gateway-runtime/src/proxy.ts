/**
 * The proxy core: one request in, one response out. Adapters (Lambda ALB, standalone server) turn
 * their input into a GatewayRequest and the GatewayResponse back into their output.
 *
 * check trusted source → build URL → filter headers → read the body (bounded; buffered when the scheme
 * hashes or may replay it) → authorize → send through the dispatcher → onResponse → maybe retry once
 * → answer. Every failure is a GatewayError answered as RFC 9457 problem JSON without internal detail.
 */
import { randomUUID } from 'node:crypto';
import { Readable } from 'node:stream';
import { BackendResponse, sendRequest } from './io/undici';
import type { ResponseBody } from './io/response-body';
import { DEFAULT_TRUSTED_HOPS, NEVER_FORWARDED_METHODS } from './config/defaults';
import { resolveConfig, type ResolvedGatewayConfig } from './config/resolve';
import type { GatewayConfig } from './config/types';
import { AbortFlag, AbortSignalLike, eitherAborts } from './core/abort';
import { checkTrustedSource, createSourceMatcher } from './core/client-address';
import {
  BackendTimeoutError,
  ClientAbortedError,
  CredentialsUnavailableError,
  GatewayError,
  MethodNotAllowedError,
  ReplayBodyTooLargeError,
  RequestTooLargeError,
  ResponseTooLargeError,
  toProblem,
} from './core/errors';
import {
  buildBackendRequestHeaders,
  filterResponseHeaders,
  headerValue,
  IncomingHeaders,
  lowerCaseHeaders,
  parseForwardedFor,
} from './core/headers';
import { buildBackendUrl } from './core/url';
import { BackendDispatchers, createBackendDispatchers } from './io/dispatchers';
import { createGatewayResolvers } from './io/resolver';
import { classifyTransportError } from './io/transport-errors';
import { ClientIdentity, createLogger, LineSink, Logger, pathForLog, stdoutSink } from './observability/log';
import { createMetricsEmitter, MetricsEmitter } from './observability/metrics';
import { createAuthScheme } from './schemes';
import type { AuthScheme, OutgoingRequest, SentRequest } from './schemes/types';
import { createSecretResolver } from './secrets';
import type { LogSink } from './secrets/types';
import type { SecretResolver } from './secrets/types';

/** A request as an adapter hands it to the gateway. */
export interface GatewayRequest {
  readonly method: string;
  /** The request path, without the query (as received, percent-encoded). */
  readonly path: string;
  /** The raw query string, without `?`. */
  readonly query?: string;
  /** Header names in any case; repeated fields as arrays. */
  readonly headers: IncomingHeaders;
  /** The body: whole (Lambda) or a stream (server). */
  readonly body?: Buffer | AsyncIterable<Uint8Array>;
  /** The socket's remote address (standalone server); absent behind the ALB. */
  readonly peerAddress?: string;
  /** How the caller reached us (becomes `X-Forwarded-Proto`). */
  readonly protocol: string;
  /** @default - a random UUID */
  readonly requestId?: string;
  /**
   * Aborts the backend request (the caller went away, or shutdown's grace period ended): an
   * AbortSignal, or any object with its `aborted`, `reason` and abort listeners (core/abort's AbortFlag).
   */
  readonly signal?: AbortSignalLike;
  /** The caller's verified client certificate (standalone server with `server.tls.clientCa`), for the logs. */
  readonly client?: ClientIdentity;
  /**
   * Epoch ms (wall clock) by which the answer is due (Lambda: shortly before the function's time
   * limit). Whatever is still running then, until `handle` returns (token fetch, backend request, a
   * buffered response body), is abandoned and answered 504.
   * @default - no deadline beyond the timeouts
   */
  readonly deadline?: number;
  /**
   * Called once, right before the gateway starts reading the body, after every check that can refuse
   * the request without it (method, source, path, declared length). The standalone server sends
   * `100 Continue` here, so a refused request never gets one.
   * @default - nothing
   */
  readonly onBodyWanted?: () => void;
}

export interface HandleOptions {
  /** Read the whole response body into a Buffer (Lambda). @default false (stream it) */
  readonly bufferResponse?: boolean;
  /** A tighter response cap than `limits.maxResponseBodyBytes` (the Lambda adapter's 1 MB). */
  readonly maxResponseBodyBytes?: number;
}

export interface GatewayResponse {
  readonly status: number;
  /** Header names in lower case. */
  readonly headers: Record<string, string | readonly string[]>;
  /**
   * A Buffer for problem answers and with `bufferResponse`; otherwise the backend's body as it arrives
   * (`pipeTo` a sink, or `for await`), which fails with a typed GatewayError past the cap.
   */
  readonly body: Buffer | ResponseBody;
  readonly requestId: string;
}

export interface GatewayDeps {
  /** @default createSecretResolver({ cacheSeconds: config.secretCacheSeconds, log: <the gateway's log stream> }) */
  readonly secrets?: SecretResolver;
  /** @default createBackendDispatchers(config, secrets, { log: <the gateway's log stream> }) */
  readonly dispatchers?: BackendDispatchers;
  /** @default createAuthScheme(config.security, ...) */
  readonly scheme?: AuthScheme;
  /** Where log lines go. @default stdout */
  readonly logSink?: LineSink;
  /** Where EMF metric lines go. @default the log sink */
  readonly metricsSink?: LineSink;
  /**
   * One EMF document per this many milliseconds, with the requests' latencies as a value array and the
   * counts summed (the standalone command uses 1000); `close()` writes what is aggregated.
   * @default 0 (one document per request)
   */
  readonly metricsIntervalMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
  /**
   * `trustedHops` when the configuration does not set it. The standalone server passes 0 (the socket
   * address is the client) so that, without a proxy in front, no client-written entry is ever used.
   * @default DEFAULT_TRUSTED_HOPS (1: the ALB)
   */
  readonly defaultTrustedHops?: number;
}

export interface Gateway {
  /** The configuration with every default applied. */
  readonly config: ResolvedGatewayConfig;
  readonly logger: Logger;
  /** The secret resolver the gateway reads its secrets with (the standalone server's TLS material shares it). */
  readonly secrets: SecretResolver;
  handle(request: GatewayRequest, options?: HandleOptions): Promise<GatewayResponse>;
  /**
   * Resolves when a connection pool to the backend exists or can be built now (its TLS material loads);
   * rejects with the reason (CredentialsUnavailableError) otherwise.
   */
  backendReady(): Promise<void>;
  close(): Promise<void>;
}

/**
 * The caller's body, chunk by chunk; a failure of the caller's stream (it hung up mid-body) becomes
 * ClientAbortedError, so it is never mistaken for a backend fault.
 */
async function* callerChunks(source: AsyncIterable<Uint8Array>): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  for (;;) {
    let next: IteratorResult<Uint8Array>;
    try {
      next = await iterator.next();
    } catch (error) {
      throw new ClientAbortedError('the caller stopped sending the request body', { cause: error });
    }
    if (next.done) return;
    yield next.value;
  }
}

/**
 * A streamed body, bounded. When it fails (too large, the caller hung up), the stream errors while
 * undici is sending it: undici then destroys the backend connection (a reset, see io/socket-guard), so
 * the backend never sees a complete-looking request.
 */
async function* bounded(source: AsyncIterable<Uint8Array>, limit: number): AsyncGenerator<Buffer> {
  let total = 0;
  for await (const chunk of callerChunks(source)) {
    total += chunk.byteLength;
    if (total > limit) throw new RequestTooLargeError(`request body above ${limit} bytes`);
    yield Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
  }
}

/** Reads a whole body. Above `replayLimit`: ReplayBodyTooLargeError; above `maxBytes`: RequestTooLargeError. */
async function readBody(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  replayLimit: number,
): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of callerChunks(source)) {
    total += chunk.byteLength;
    if (total > maxBytes) throw new RequestTooLargeError(`request body above ${maxBytes} bytes`);
    if (total > replayLimit)
      throw new ReplayBodyTooLargeError(`request body above ${replayLimit} replayable bytes`);
    chunks.push(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength));
  }
  return Buffer.concat(chunks, total);
}

/**
 * The caller's hang-up or the deadline, for the waits of one request (the body, the scheme's
 * `authorize`): a wait fails with the signal's reason once it aborts. One listener per request, not
 * one per wait; the waits of a request come one after the other.
 */
class AbortRace {
  private rejectWait: ((reason: unknown) => void) | undefined;

  constructor(readonly signal: AbortSignalLike | undefined) {
    signal?.addEventListener('abort', this);
  }

  /** The signal's `abort` event. */
  handleEvent(): void {
    this.rejectWait?.(this.signal!.reason);
  }

  wait<T>(promise: Promise<T>): Promise<T> {
    const signal = this.signal;
    if (!signal) return promise;
    if (signal.aborted) {
      promise.catch(() => undefined);
      return Promise.reject(signal.reason as Error);
    }
    return new Promise<T>((resolve, reject) => {
      this.rejectWait = reject;
      promise.then(resolve, reject);
    });
  }

  dispose(): void {
    this.signal?.removeEventListener('abort', this);
  }
}

function problemResponse(error: GatewayError | unknown, requestId: string): GatewayResponse {
  const problem = toProblem(error, requestId);
  return {
    status: problem.status,
    headers: {
      'content-type': 'application/problem+json',
      'cache-control': 'no-store',
      ...(error instanceof MethodNotAllowedError ? { allow: error.allowed.join(', ') } : {}),
    },
    body: Buffer.from(JSON.stringify(problem)),
    requestId,
  };
}

export function createGateway(
  written: GatewayConfig | ResolvedGatewayConfig,
  deps: GatewayDeps = {},
): Gateway {
  // The parse step's second half, once: everything below reads resolved values.
  const config = resolveConfig(written);
  const now = deps.now ?? Date.now;
  const logSink = deps.logSink ?? stdoutSink;
  // The secret sources and the connection pools log to the same stream, as JSON lines with the gateway's
  // name (their entries carry references, error names and certificate serials, never secret values).
  // Their warnings and errors only: pool creation and other routine events would drown the request lines.
  const componentLog: LogSink = (entry) => {
    if (entry.level === 'info') return;
    logSink(JSON.stringify({ time: new Date(now()).toISOString(), name: config.name, ...entry }));
  };
  const secrets =
    deps.secrets ?? createSecretResolver({ cacheSeconds: config.secretCacheSeconds, log: componentLog });
  // The customer's own DNS servers (or pins) resolve the backend's and the token endpoint's names.
  const resolvers = createGatewayResolvers(config, { log: componentLog, now });
  const dispatchers =
    deps.dispatchers ??
    createBackendDispatchers(config, secrets, { log: componentLog, resolver: resolvers.backend });
  const scheme =
    deps.scheme ??
    createAuthScheme(config.security, {
      secrets,
      now,
      tokenEndpointResolver: resolvers.tokenEndpoint,
      timeouts: config.timeouts,
    });
  const schemeHeaders: ReadonlySet<string> = new Set(scheme.headerNames);
  const allowedMethods: ReadonlySet<string> = new Set(
    config.forwarding.allowedMethods.filter((m) => !NEVER_FORWARDED_METHODS.has(m.toUpperCase())),
  );
  const allowHeader = [...allowedMethods];
  const logger = createLogger(config.name, logSink, now);
  const metrics: MetricsEmitter = createMetricsEmitter(config.name, deps.metricsSink ?? logSink, now, {
    intervalMs: deps.metricsIntervalMs ?? 0,
  });
  const backendBase = new URL(config.backend.url);
  const sourceMatcher = config.trustedSources ? createSourceMatcher(config.trustedSources.cidrs) : undefined;
  const trustedHops = config.trustedSources?.trustedHops ?? deps.defaultTrustedHops ?? DEFAULT_TRUSTED_HOPS;
  const { maxRequestBodyBytes: maxRequest, maxReplayBodyBytes: maxReplay } = config.limits;
  const maxResponse = config.limits.maxResponseBodyBytes;
  const { headersMs: headersTimeout, bodyMs: bodyTimeout } = config.timeouts;
  const buffersBody = scheme.needsBody || scheme.mayRetry;

  /** Refuses a declared `Content-Length` over the limits, before any of the body is read. */
  function checkDeclaredLength(headers: Readonly<Record<string, string | readonly string[]>>): void {
    const length = headers['content-length'];
    if (length === undefined) return;
    const declared = Number(headerValue('content-length', length) ?? NaN);
    if (Number.isFinite(declared) && declared > maxRequest) {
      throw new RequestTooLargeError(`declared request body of ${declared} bytes above ${maxRequest}`);
    }
    if (buffersBody && Number.isFinite(declared) && declared > maxReplay) {
      throw new ReplayBodyTooLargeError(
        `declared request body of ${declared} bytes above ${maxReplay} replayable`,
      );
    }
  }

  /** The body to send: whole when the scheme needs it (or it is a Buffer), else streamed, bounded. */
  async function prepareBody(
    request: GatewayRequest,
    body: Buffer | AsyncIterable<Uint8Array>,
  ): Promise<Buffer | Readable | undefined> {
    request.onBodyWanted?.();
    if (Buffer.isBuffer(body)) {
      if (body.byteLength > maxRequest)
        throw new RequestTooLargeError(`request body above ${maxRequest} bytes`);
      if (buffersBody && body.byteLength > maxReplay) {
        throw new ReplayBodyTooLargeError(`request body above ${maxReplay} replayable bytes`);
      }
      return body.byteLength === 0 ? undefined : body;
    }
    if (buffersBody) {
      const whole = await readBody(body, maxRequest, maxReplay);
      return whole.byteLength === 0 ? undefined : whole;
    }
    if (request.method === 'GET' || request.method === 'HEAD') {
      // Streamed GET/HEAD: forward a body only if the caller sent one (rare); read it bounded.
      const whole = await readBody(body, maxRequest, maxRequest);
      return whole.byteLength === 0 ? undefined : whole;
    }
    return Readable.from(bounded(body, maxRequest), { objectMode: false });
  }

  /** One attempt: authorize, send, and the request as it was sent (the scheme's headers included). */
  async function send(
    outgoing: OutgoingRequest,
    body: Buffer | Readable | undefined,
    maxBodyBytes: number,
    race: AbortRace,
  ): Promise<{ response: BackendResponse; sent: () => SentRequest }> {
    const authorized = scheme.authorize(outgoing);
    const authHeaders = authorized instanceof Promise ? await race.wait(authorized) : authorized;
    const headers: Record<string, string> = { ...outgoing.headers };
    for (const name of Object.keys(authHeaders)) headers[name] = authHeaders[name];
    // The request as sent, for the scheme's onResponse/onNoResponse only: built when one asks for it.
    let made: SentRequest | undefined;
    const sent = (): SentRequest =>
      (made ??= {
        method: outgoing.method,
        url: outgoing.url,
        headers,
        ...(outgoing.body !== undefined ? { body: outgoing.body } : {}),
        prepared: outgoing,
        authHeaders,
      });
    try {
      // Per request: rotation swaps it (without TLS material to check, the current one at once).
      const dispatcher = dispatchers.current() ?? (await dispatchers.get());
      const response = await sendRequest(outgoing.url, {
        dispatcher,
        method: outgoing.method,
        headers,
        body: body ?? null,
        headersTimeout,
        bodyTimeout,
        maxBodyBytes,
        ...(race.signal ? { signal: race.signal } : {}),
      });
      return { response, sent };
    } catch (error) {
      scheme.onNoResponse?.(sent());
      throw classifyTransportError(error);
    }
  }

  /** Why a request failed, from the caller's point of view: its own hang-up and the deadline first. */
  function failureOf(
    error: unknown,
    request: GatewayRequest,
    deadline: AbortSignalLike | undefined,
  ): unknown {
    if (error instanceof ClientAbortedError) return error;
    if (request.signal?.aborted) return new ClientAbortedError('the caller went away', { cause: error });
    if (deadline?.aborted && !(error instanceof RequestTooLargeError)) {
      return new BackendTimeoutError('no answer before the function time limit', { cause: error });
    }
    return error;
  }

  async function handle(request: GatewayRequest, options: HandleOptions = {}): Promise<GatewayResponse> {
    const started = now();
    const requestId = request.requestId ?? randomUUID();
    const method = request.method.toUpperCase();
    const incoming = lowerCaseHeaders(request.headers);
    const forwardedFor = parseForwardedFor(incoming['x-forwarded-for']);
    let upstreamStatus: number | undefined;
    let attempts = 0;
    const finish = (response: GatewayResponse, error?: unknown) => {
      const durationMs = now() - started;
      const code = error === undefined ? undefined : error instanceof GatewayError ? error.code : 'INTERNAL';
      const aborted = error instanceof ClientAbortedError;
      const level = aborted
        ? 'info'
        : response.status >= 500
          ? 'error'
          : response.status >= 400
            ? 'warn'
            : 'info';
      const msg = aborted
        ? 'request aborted by the caller'
        : error === undefined
          ? 'request proxied'
          : 'request failed';
      // Absent fields are left undefined: the logger and the metrics write only those that are set.
      logger.log(level, msg, {
        requestId,
        method,
        path: pathForLog(request.path),
        client: request.client,
        status: response.status,
        upstreamStatus,
        durationMs,
        error: code,
        attempts: attempts > 1 ? attempts : undefined,
        // A secret that can not be read: which one and why (the reference, never the value).
        ...(error instanceof CredentialsUnavailableError
          ? { secret: error.secret, reason: error.reason }
          : {}),
      });
      metrics.request({
        latencyMs: durationMs,
        upstreamStatus,
        authFailure: scheme.type !== 'none' && (upstreamStatus === 401 || upstreamStatus === 403),
        // The gateway's own faults only: a caller's 4xx or hang-up is not one.
        gatewayError: error !== undefined && !aborted && response.status >= 500,
        clientCertificateDaysToExpiry: dispatchers.clientCertificateDaysToExpiry(),
      });
      return response;
    };

    // The caller's hang-up and the deadline, as one signal for the token fetch and the backend request.
    // (The deadline is wall-clock time, as the adapter computed it: Date.now, not the injectable clock.)
    let deadlineTimer: NodeJS.Timeout | undefined;
    let deadline: AbortFlag | undefined;
    if (request.deadline !== undefined) {
      const expiry = new AbortFlag();
      deadlineTimer = setTimeout(() => expiry.abort(), Math.max(1, request.deadline - Date.now()));
      deadlineTimer.unref();
      deadline = expiry;
    }
    const either = deadline && request.signal ? eitherAborts(request.signal, deadline) : undefined;
    const signal = either?.signal ?? deadline ?? request.signal;
    const race = new AbortRace(signal);
    /** The backend body in hand and not yet passed on. */
    let unread: ResponseBody | undefined;

    try {
      if (!allowedMethods.has(method)) {
        throw new MethodNotAllowedError(`method ${method.slice(0, 32)} is not forwarded`, allowHeader);
      }
      if (sourceMatcher) {
        checkTrustedSource(sourceMatcher, { forwardedFor, peerAddress: request.peerAddress, trustedHops });
      }
      const url = buildBackendUrl(backendBase, request.path, request.query);
      const headers = buildBackendRequestHeaders(
        incoming,
        url,
        {
          host: headerValue('host', incoming.host),
          proto: request.protocol,
          forwardedFor,
          ...(request.peerAddress ? { peerAddress: request.peerAddress } : {}),
        },
        { ...config.forwarding, schemeHeaders },
      );
      checkDeclaredLength(incoming);
      const body =
        request.body === undefined ? undefined : await race.wait(prepareBody(request, request.body));
      const outgoing: OutgoingRequest = {
        method,
        url,
        headers,
        ...(Buffer.isBuffer(body) ? { body } : {}),
      };
      const canReplay = body === undefined || Buffer.isBuffer(body);

      const limit = Math.min(maxResponse, options.maxResponseBodyBytes ?? Infinity);
      let response: BackendResponse;
      for (;;) {
        attempts += 1;
        const attempt = await send(outgoing, body, limit, race);
        response = attempt.response;
        unread = response.body;
        upstreamStatus = response.statusCode;
        const verdict = scheme.onResponse
          ? await scheme.onResponse(
              attempt.sent(),
              { status: response.statusCode, headers: response.headers },
              attempts,
            )
          : 'done';
        if (verdict !== 'retry' || attempts >= 2 || !canReplay) break;
        await response.body.dump();
      }

      const responseHeaders = filterResponseHeaders(response.headers);
      const declared = Number(headerValue('content-length', response.headers['content-length']) ?? NaN);
      if (Number.isFinite(declared) && declared > limit) {
        throw new ResponseTooLargeError(`backend declared ${declared} bytes, above ${limit}`); // unread: given up below
      }
      if (options.bufferResponse) {
        const whole = await response.body.bytesAll(); // fails with the body's typed GatewayError
        delete responseHeaders['content-length'];
        return finish({ status: response.statusCode, headers: responseHeaders, body: whole, requestId });
      }
      unread = undefined; // the caller's now
      return finish({
        status: response.statusCode,
        headers: responseHeaders,
        body: response.body,
        requestId,
      });
    } catch (caught) {
      // A body nobody will read (the scheme's onResponse failed, say) gives its exchange up at once,
      // instead of holding the backend connection until the body timeout.
      unread?.destroy();
      const error = failureOf(caught, request, deadline);
      if (request.body && !Buffer.isBuffer(request.body) && request.body instanceof Readable) {
        request.body.resume(); // drain what the caller still sends, so the answer can be read
      }
      return finish(problemResponse(error, requestId), error);
    } finally {
      race.dispose();
      either?.dispose();
      clearTimeout(deadlineTimer);
    }
  }

  return {
    config,
    logger,
    secrets,
    handle,
    backendReady: async () => void (await dispatchers.get()),
    close: async () => {
      metrics.flush();
      await Promise.all([dispatchers.close(), scheme.close?.()]);
      resolvers.backend?.close();
      resolvers.tokenEndpoint?.close();
    },
  };
}
