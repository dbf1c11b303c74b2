/**
 * Every error the runtime answers a request with: one base class, a stable `code`, the HTTP status it
 * maps to. Answers are RFC 9457 problem JSON that carry the code and a public title, never internal detail.
 */
export abstract class GatewayError extends Error {
  abstract readonly code: string;
  abstract readonly status: number;
  /** A short, public description (the `title` of the problem answer). */
  abstract readonly title: string;

  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
  }
}

function defineError(code: string, status: number, title: string) {
  return class extends GatewayError {
    readonly code = code;
    readonly status = status;
    readonly title = title;
  };
}

export class ConfigError extends Error {
  public override readonly name = 'ConfigError';
  readonly code = 'CONFIG_INVALID';
  constructor(
    /** One entry per bad field: `path` is a JSON path such as `security.password`. */
    public readonly problems: ReadonlyArray<{ readonly path: string; readonly message: string }>,
  ) {
    super(`invalid gateway configuration:\n${problems.map((p) => `  - ${p.path}: ${p.message}`).join('\n')}`);
  }
}

export class BadRequestError extends defineError('BAD_REQUEST', 400, 'Bad request') {
  public override readonly name = 'BadRequestError';
}
export class PathRejectedError extends defineError('PATH_REJECTED', 400, 'Request path rejected') {
  public override readonly name = 'PathRejectedError';
}
export class MethodNotAllowedError extends defineError('METHOD_NOT_ALLOWED', 405, 'Method not allowed') {
  public override readonly name = 'MethodNotAllowedError';
  constructor(
    message: string,
    /** The methods that are forwarded (the `Allow` header of the answer). */
    public readonly allowed: readonly string[],
  ) {
    super(message);
  }
}
/**
 * The caller went away (hung up, or stopped sending its body) before the answer. Nobody reads the
 * answer; it is logged as aborted and never counted as a gateway or backend fault. 499 as nginx logs it.
 */
export class ClientAbortedError extends defineError('CLIENT_ABORTED', 499, 'Client closed the request') {
  public override readonly name = 'ClientAbortedError';
}
export class SourceDeniedError extends defineError('SOURCE_DENIED', 403, 'Source address not allowed') {
  public override readonly name = 'SourceDeniedError';
}
/** The client certificate chains to `server.tls.clientCa` but is none of the admitted identities. */
export class ClientNotAllowedError extends defineError(
  'CLIENT_NOT_ALLOWED',
  403,
  'Client certificate not allowed',
) {
  public override readonly name = 'ClientNotAllowedError';
}
export class RequestTooLargeError extends defineError('REQUEST_TOO_LARGE', 413, 'Request body too large') {
  public override readonly name = 'RequestTooLargeError';
}
/** The scheme may need to resend the request, and the body is above `limits.maxReplayBodyBytes`. */
export class ReplayBodyTooLargeError extends defineError(
  'REPLAY_BODY_TOO_LARGE',
  413,
  'Request body too large for this backend authentication scheme',
) {
  public override readonly name = 'ReplayBodyTooLargeError';
}
export class BackendUnreachableError extends defineError('BACKEND_UNREACHABLE', 502, 'Backend unreachable') {
  public override readonly name = 'BackendUnreachableError';
}
/** The backend's (or the token endpoint's) name did not resolve through the configured DNS servers or pins. */
export class BackendDnsError extends defineError('BACKEND_DNS', 502, 'Backend name not resolved') {
  public override readonly name = 'BackendDnsError';
}
/** A resolved address of the backend (or the token endpoint) is outside `backend.allowedAddresses`. */
export class BackendAddressNotAllowedError extends defineError(
  'BACKEND_ADDRESS_NOT_ALLOWED',
  502,
  'Backend address not allowed',
) {
  public override readonly name = 'BackendAddressNotAllowedError';
}
export class BackendTlsError extends defineError('BACKEND_TLS', 502, 'Backend TLS verification failed') {
  public override readonly name = 'BackendTlsError';
}
export class ResponseTooLargeError extends defineError(
  'RESPONSE_TOO_LARGE',
  502,
  'Backend response too large',
) {
  public override readonly name = 'ResponseTooLargeError';
}
export class BackendProtocolError extends defineError('BACKEND_PROTOCOL', 502, 'Invalid backend response') {
  public override readonly name = 'BackendProtocolError';
}
/**
 * Why a secret could not be read, as a stable word for logs and checks: a Node error code for files
 * (`ENOENT`, `EACCES`, `EISDIR`), the AWS error name for Secrets Manager (`AccessDeniedException`,
 * `DecryptionFailure`, `ResourceNotFoundException`, `ThrottlingException`), or one of these.
 */
export type SecretFailureReason =
  | 'NOT_SET'
  | 'EMPTY'
  | 'NOT_JSON'
  | 'NOT_JSON_OBJECT'
  | 'KEY_MISSING'
  | 'NO_VALUE'
  | 'NOT_AN_ARN'
  | 'NO_SOURCE'
  | (string & {});

export class CredentialsUnavailableError extends defineError(
  'CREDENTIALS_UNAVAILABLE',
  503,
  'Backend credentials unavailable',
) {
  public override readonly name = 'CredentialsUnavailableError';
  /** The reference that failed as `describeSecretRef` names it (ARN, file, variable, jsonKey), never the value. */
  readonly secret?: string;
  readonly reason?: SecretFailureReason;
  constructor(message: string, options?: { cause?: unknown; secret?: string; reason?: SecretFailureReason }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    if (options?.secret !== undefined) this.secret = options.secret;
    if (options?.reason !== undefined) this.reason = options.reason;
  }
}
export class BackendTimeoutError extends defineError('BACKEND_TIMEOUT', 504, 'Backend timed out') {
  public override readonly name = 'BackendTimeoutError';
}

/** RFC 9457 problem details: what a caller sees. No stack, no message, no backend detail. */
export interface ProblemJson {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly code: string;
  readonly instance?: string;
}

export function toProblem(error: unknown, requestId?: string): ProblemJson {
  const e = error instanceof GatewayError ? error : undefined;
  return {
    type: `urn:backend-link:problem:${(e?.code ?? 'INTERNAL').toLowerCase().replace(/_/g, '-')}`,
    title: e?.title ?? 'Internal gateway error',
    status: e?.status ?? 500,
    code: e?.code ?? 'INTERNAL',
    ...(requestId ? { instance: `urn:request:${requestId}` } : {}),
  };
}
