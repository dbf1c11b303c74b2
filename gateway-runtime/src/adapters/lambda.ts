/**
 * AWS Lambda handler for Application Load Balancer target-group events.
 *
 * The configuration comes from the environment variable `GATEWAY_CONFIG` (JSON), validated once per
 * cold start. When it is invalid, the problems (field paths and rules; the document holds no secret
 * values) are logged once and every invocation answers 500 problem JSON: the function never forwards
 * anything with a configuration it could not validate.
 *
 * Headers are single- or multi-value as the target group sends them, and answered in the same mode.
 * Request bodies may be base64; response bodies are base64 unless the content type is textual. ALB
 * caps a Lambda response at 1 MB: a larger answer becomes a 502 RESPONSE_TOO_LARGE problem.
 */
import { STATUS_CODES } from 'node:http';
import { LAMBDA_DEADLINE_MARGIN_MS, LAMBDA_MAX_RESPONSE_BYTES } from '../config/defaults';
import { validateConfig } from '../config/validate';
import { BadRequestError, ConfigError, ResponseTooLargeError, toProblem } from '../core/errors';
import { createLogger, stdoutSink } from '../observability/log';
import { createGateway, Gateway, GatewayDeps, GatewayResponse } from '../proxy';
import { checkSecrets } from '../secrets/check';
import { CHECK_EXIT_CODES, runChecks, type CheckResult } from '../check';

/** The ALB → Lambda event (the fields this handler reads). */
export interface AlbEvent {
  readonly requestContext?: { readonly elb?: { readonly targetGroupArn?: string } };
  readonly httpMethod: string;
  readonly path: string;
  readonly queryStringParameters?: Readonly<Record<string, string>> | null;
  readonly multiValueQueryStringParameters?: Readonly<Record<string, readonly string[]>> | null;
  readonly headers?: Readonly<Record<string, string>> | null;
  readonly multiValueHeaders?: Readonly<Record<string, readonly string[]>> | null;
  readonly body?: string | null;
  readonly isBase64Encoded?: boolean;
}

export interface AlbResult {
  statusCode: number;
  statusDescription: string;
  headers?: Record<string, string>;
  multiValueHeaders?: Record<string, string[]>;
  body: string;
  isBase64Encoded: boolean;
}

/** The parts of the Lambda context this handler reads. */
export interface LambdaContextLike {
  readonly awsRequestId?: string;
  /** Lambda's own: milliseconds until the function is stopped. The answer is due before then. */
  getRemainingTimeInMillis?(): number;
}

/**
 * The check event: a direct invoke (`aws lambda invoke --payload '{"backendLinkCheck": true}'`) runs
 * `gateway-runtime check`'s steps and answers their result. The load balancer can never send it: an ALB
 * event always carries `requestContext.elb`, and an event with `requestContext` is never taken for one.
 */
export interface CheckEvent {
  readonly backendLinkCheck: true;
  /** A backend path for one authenticated GET (e.g. `/health`). @default - no request */
  readonly path?: string;
}

export interface AlbHandler {
  (event: AlbEvent, context?: LambdaContextLike): Promise<AlbResult>;
  (event: CheckEvent, context?: LambdaContextLike): Promise<CheckResult>;
}

/** True for a check event, and never for anything a load balancer sends. */
export function isCheckEvent(event: unknown): event is CheckEvent {
  return (
    isPlainObject(event) &&
    event.backendLinkCheck === true &&
    event.requestContext === undefined &&
    event.httpMethod === undefined &&
    (event.path === undefined || (typeof event.path === 'string' && event.path.startsWith('/')))
  );
}

export const CONFIG_ENV_VAR = 'GATEWAY_CONFIG';

const TEXTUAL =
  /^(text\/|application\/(?:[\w.+-]*\+)?(?:json|xml|javascript|x-www-form-urlencoded|problem\+json|problem\+xml|graphql|yaml|x-yaml)\b)/i;

/** True when a body of this content type is sent as text; everything else is base64. */
export function isTextualContentType(contentType: string | undefined): boolean {
  if (!contentType) return false;
  return TEXTUAL.test(contentType.trim());
}

const isPlainObject = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** A map of strings (single-value) or of string lists (multi-value), or absent. */
function mapProblem(value: unknown, multi: boolean): boolean {
  if (value === undefined || value === null) return false;
  if (!isPlainObject(value)) return true;
  return Object.values(value).some((entry) =>
    multi
      ? !Array.isArray(entry) || entry.some((item) => typeof item !== 'string')
      : typeof entry !== 'string',
  );
}

/**
 * The first field of an event that is not what a load balancer sends, or undefined. Such an event (a
 * test invocation, another trigger) is answered 400 instead of failing with a TypeError.
 */
export function eventProblem(event: unknown): string | undefined {
  if (!isPlainObject(event)) return '(event)';
  if (typeof event.httpMethod !== 'string' || event.httpMethod === '') return 'httpMethod';
  if (typeof event.path !== 'string') return 'path';
  if (mapProblem(event.headers, false)) return 'headers';
  if (mapProblem(event.multiValueHeaders, true)) return 'multiValueHeaders';
  if (mapProblem(event.queryStringParameters, false)) return 'queryStringParameters';
  if (mapProblem(event.multiValueQueryStringParameters, true)) return 'multiValueQueryStringParameters';
  if (event.body !== undefined && event.body !== null && typeof event.body !== 'string') return 'body';
  if (event.isBase64Encoded !== undefined && typeof event.isBase64Encoded !== 'boolean') {
    return 'isBase64Encoded';
  }
  return undefined;
}

function queryOf(event: AlbEvent): string {
  const pairs: string[] = [];
  if (event.multiValueQueryStringParameters) {
    for (const [key, values] of Object.entries(event.multiValueQueryStringParameters)) {
      for (const value of values) pairs.push(`${key}=${value}`);
    }
  } else if (event.queryStringParameters) {
    for (const [key, value] of Object.entries(event.queryStringParameters)) pairs.push(`${key}=${value}`);
  }
  // ALB passes keys and values as received (still percent-encoded): joined back unchanged.
  return pairs.join('&');
}

function lastEntry(value: string | readonly string[] | undefined): string | undefined {
  if (value === undefined) return undefined;
  const text = typeof value === 'string' ? value : value[value.length - 1];
  const parts = text?.split(',') ?? [];
  return parts[parts.length - 1]?.trim() || undefined;
}

function statusDescription(status: number): string {
  return `${status} ${STATUS_CODES[status] ?? 'Unknown'}`;
}

function encodeBody(
  body: Buffer,
  contentType: string | undefined,
): { body: string; isBase64Encoded: boolean } {
  if (body.byteLength === 0) return { body: '', isBase64Encoded: false };
  if (isTextualContentType(contentType)) {
    const text = body.toString('utf8');
    if (Buffer.from(text, 'utf8').equals(body)) return { body: text, isBase64Encoded: false };
  }
  return { body: body.toString('base64'), isBase64Encoded: true };
}

function toResult(response: GatewayResponse, multiValue: boolean): AlbResult {
  const body = Buffer.isBuffer(response.body) ? response.body : Buffer.alloc(0);
  const contentType = response.headers['content-type'];
  const encoded = encodeBody(body, typeof contentType === 'string' ? contentType : contentType?.[0]);
  const result: AlbResult = {
    statusCode: response.status,
    statusDescription: statusDescription(response.status),
    ...encoded,
  };
  if (multiValue) {
    result.multiValueHeaders = {};
    for (const [name, value] of Object.entries(response.headers)) {
      result.multiValueHeaders[name] = typeof value === 'string' ? [value] : [...value];
    }
  } else {
    result.headers = {};
    for (const [name, value] of Object.entries(response.headers)) {
      // Single-value mode carries one value per name: Set-Cookie keeps the first (use multi-value mode
      // on the target group for several cookies); other repeated fields are joined as RFC 9110 allows.
      result.headers[name] =
        typeof value === 'string' ? value : name === 'set-cookie' ? value[0] : value.join(', ');
    }
  }
  return result;
}

function problemResult(problem: object, status: number, multiValue: boolean): AlbResult {
  const headers = { 'content-type': 'application/problem+json', 'cache-control': 'no-store' };
  return {
    statusCode: status,
    statusDescription: statusDescription(status),
    ...(multiValue
      ? { multiValueHeaders: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, [v]])) }
      : { headers }),
    body: JSON.stringify(problem),
    isBase64Encoded: false,
  };
}

export interface LambdaHandlerOptions {
  /** The configuration JSON. @default process.env.GATEWAY_CONFIG, read at the first invocation */
  readonly configJson?: string;
  readonly deps?: GatewayDeps;
  /** Validate and build now instead of at the first invocation (Lambda's init phase). @default false */
  readonly initNow?: boolean;
}

/** Loads and validates the configuration, or returns the ConfigError that describes what is wrong. */
export function loadConfigFromJson(
  json: string | undefined,
): ReturnType<typeof validateConfig> | ConfigError {
  if (json === undefined || json.trim() === '') {
    return new ConfigError([{ path: `(environment ${CONFIG_ENV_VAR})`, message: 'is not set' }]);
  }
  let doc: unknown;
  try {
    doc = JSON.parse(json);
  } catch {
    return new ConfigError([{ path: `(environment ${CONFIG_ENV_VAR})`, message: 'is not valid JSON' }]);
  }
  try {
    return validateConfig(doc);
  } catch (error) {
    if (error instanceof ConfigError) return error;
    return new ConfigError([{ path: '(root)', message: 'could not be validated' }]);
  }
}

export function createLambdaHandler(options: LambdaHandlerOptions = {}): AlbHandler {
  let state: Gateway | ConfigError | undefined;
  /** The cold start's reading of every secret (awaited by the first invocation, logged once per secret). */
  let secretsRead: Promise<void> | undefined;
  const readSecretsOnce = (gateway: Gateway): Promise<void> =>
    (secretsRead ??= checkSecrets(gateway.config, gateway.secrets).then((checks) => {
      for (const c of checks) {
        if (c.ok) continue;
        gateway.logger.log('error', 'secret can not be read', {
          error: 'CREDENTIALS_UNAVAILABLE',
          secret: c.secret,
          reason: c.reason,
          configPath: c.path,
        });
      }
    }));

  const init = (): Gateway | ConfigError => {
    const loaded = loadConfigFromJson(options.configJson ?? process.env[CONFIG_ENV_VAR]);
    const logger = createLogger(
      loaded instanceof ConfigError ? 'gateway' : loaded.name,
      options.deps?.logSink ?? stdoutSink,
    );
    if (loaded instanceof ConfigError) {
      logger.log('error', 'invalid gateway configuration: every request is answered 500', {
        error: loaded.code,
        problems: loaded.problems,
      });
      return loaded;
    }
    try {
      return createGateway(loaded, options.deps);
    } catch (error) {
      const configError =
        error instanceof ConfigError
          ? error
          : new ConfigError([{ path: '(root)', message: 'the gateway could not be created from it' }]);
      logger.log('error', 'invalid gateway configuration: every request is answered 500', {
        error: configError.code,
        problems: configError.problems,
      });
      return configError;
    }
  };

  if (options.initNow) {
    state = init();
    if (!(state instanceof ConfigError)) void readSecretsOnce(state);
  }

  const handle = async (
    event: AlbEvent | CheckEvent,
    context?: LambdaContextLike,
  ): Promise<AlbResult | CheckResult> => {
    state ??= init();
    if (isCheckEvent(event)) return runCheck(state, event);
    const multiValue = isPlainObject(event) && event.multiValueHeaders != null;
    if (state instanceof ConfigError) {
      return problemResult(
        {
          type: 'urn:backend-link:problem:config-invalid',
          title: 'Gateway configuration invalid',
          status: 500,
          code: state.code,
        },
        500,
        multiValue,
      );
    }
    const gateway = state;
    await readSecretsOnce(gateway);
    const requestId = context?.awsRequestId;
    const malformed = eventProblem(event);
    if (malformed !== undefined) {
      const error = new BadRequestError(`the event is not a load balancer request (${malformed})`);
      gateway.logger.log('warn', 'malformed load balancer event', {
        ...(requestId ? { requestId } : {}),
        status: error.status,
        error: error.code,
        field: malformed,
      });
      return problemResult(toProblem(error, requestId), error.status, multiValue);
    }
    const headers = (multiValue ? event.multiValueHeaders : event.headers) ?? {};
    const rawBody = event.body ?? '';
    const remaining = context?.getRemainingTimeInMillis?.();
    let response: GatewayResponse;
    try {
      response = await gateway.handle(
        {
          method: event.httpMethod,
          path: event.path,
          query: queryOf(event),
          headers,
          body: Buffer.from(rawBody, event.isBase64Encoded ? 'base64' : 'utf8'),
          protocol: lastEntry(headers['x-forwarded-proto']) ?? 'https',
          ...(requestId ? { requestId } : {}),
          // Answer (504) before Lambda stops the function, whatever the configured timeouts say.
          ...(typeof remaining === 'number' && Number.isFinite(remaining)
            ? { deadline: Date.now() + Math.max(1, remaining - LAMBDA_DEADLINE_MARGIN_MS) }
            : {}),
        },
        { bufferResponse: true, maxResponseBodyBytes: LAMBDA_MAX_RESPONSE_BYTES },
      );
    } catch (error) {
      // handle() answers every failure it knows; this is a bug (logged by code only, never a message).
      gateway.logger.log('error', 'request failed unexpectedly', {
        ...(requestId ? { requestId } : {}),
        status: 500,
        error: 'INTERNAL',
      });
      return problemResult(toProblem(error, requestId), 500, multiValue);
    }
    const result = toResult(response, multiValue);
    if (Buffer.byteLength(JSON.stringify(result)) > LAMBDA_MAX_RESPONSE_BYTES) {
      const error = new ResponseTooLargeError('encoded Lambda response above the ALB limit');
      state.logger.log('error', 'response too large for the load balancer', {
        requestId: response.requestId,
        error: error.code,
        upstreamStatus: response.status,
      });
      return problemResult(toProblem(error, response.requestId), error.status, multiValue);
    }
    return result;
  };
  return handle as AlbHandler;
}

/** The check event's answer: every step of `gateway-runtime check`, also logged as one line. */
async function runCheck(state: Gateway | ConfigError, event: CheckEvent): Promise<CheckResult> {
  if (state instanceof ConfigError) {
    return {
      ok: false,
      exitCode: CHECK_EXIT_CODES.config,
      steps: state.problems.map((p) => ({
        class: 'config' as const,
        step: `config (environment ${CONFIG_ENV_VAR})`,
        status: 'FAIL' as const,
        detail: `${p.path}: ${p.message}`,
      })),
    };
  }
  const result = await runChecks(state.config, {
    secrets: state.secrets,
    ...(event.path !== undefined ? { path: event.path } : {}),
  });
  const failed = result.steps.find((s) => s.status === 'FAIL');
  state.logger.log(
    result.ok ? 'info' : 'error',
    result.ok ? 'check passed' : `check failed: ${failed?.step}`,
    {
      ...(failed ? { error: failed.class, reason: failed.detail } : {}),
    },
  );
  return result;
}

/**
 * The Lambda entry point: `handler` in the bundle. In Lambda (AWS_LAMBDA_FUNCTION_NAME is set) the
 * configuration is validated during the init phase, when the module is loaded.
 */
export const handler: AlbHandler = createLambdaHandler({
  initNow: process.env.AWS_LAMBDA_FUNCTION_NAME !== undefined,
});
