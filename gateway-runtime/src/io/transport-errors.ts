import {
  BackendProtocolError,
  BackendTimeoutError,
  BackendTlsError,
  BackendUnreachableError,
  GatewayError,
  ResponseTooLargeError,
} from '../core/errors';
import { SPKI_PIN_MISMATCH_CODE } from './tls';

/** Certificate verification results (OpenSSL names, as Node reports them) and Node's TLS checks. */
const TLS_CODES = new Set([
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_REVOKED',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'CRL_HAS_EXPIRED',
  'CRL_NOT_YET_VALID',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_DECRYPT_CERT_SIGNATURE',
  'UNABLE_TO_DECODE_ISSUER_PUBLIC_KEY',
  'INVALID_CA',
  'INVALID_PURPOSE',
  'PATH_LENGTH_EXCEEDED',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'ERR_TLS_HANDSHAKE_TIMEOUT',
  'EPROTO',
  SPKI_PIN_MISMATCH_CODE,
]);

/** OpenSSL and Node TLS error families (verification results not listed above, alerts, handshake errors). */
const TLS_CODE_PREFIX = /^(ERR_SSL_|ERR_OSSL_|ERR_TLS_|CERT_|UNABLE_TO_|DEPTH_ZERO_|SELF_SIGNED_)/;

const UNREACHABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ECONNABORTED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EPIPE',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_DESTROYED',
]);

const TIMEOUT_CODES = new Set([
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'ETIMEDOUT',
]);

const PROTOCOL_CODES = new Set(['UND_ERR_RES_CONTENT_LENGTH_MISMATCH', 'UND_ERR_INVALID_RETURN_VALUE']);

/** Every `code` along the error, its `cause` chain and the members of an AggregateError, outermost first. */
function codesOf(error: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 5 || typeof error !== 'object' || error === null) return out;
  const e = error as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string') out.push(e.code);
  if (Array.isArray(e.errors)) for (const member of e.errors) codesOf(member, out, depth + 1);
  codesOf(e.cause, out, depth + 1);
  return out;
}

const isTlsCode = (code: string) => TLS_CODES.has(code) || TLS_CODE_PREFIX.test(code);

/**
 * The code that explains the failure: a TLS code anywhere along the chain wins (a TLS 1.3 alert
 * arrives as the cause of undici's "other side closed", see io/socket-guard), else the outermost code.
 */
function findCode(error: unknown): string | undefined {
  const codes = codesOf(error);
  return codes.find(isTlsCode) ?? codes[0];
}

function findGatewayError(error: unknown, depth = 0): GatewayError | undefined {
  if (error instanceof GatewayError) return error;
  if (depth > 5 || typeof error !== 'object' || error === null) return undefined;
  return findGatewayError((error as { cause?: unknown }).cause, depth + 1);
}

/**
 * Maps an undici or Node error from sending a request to the backend to the typed error the caller is
 * answered with: TLS failures (verification, hostname, pin, handshake) → BackendTlsError (502),
 * refused/reset/unresolvable → BackendUnreachableError (502), connect/headers/body timeouts →
 * BackendTimeoutError (504), a response above `maxResponseSize` → ResponseTooLargeError (502), an
 * unparsable response → BackendProtocolError (502). A GatewayError (e.g. 503 from a secret) is
 * returned as it is. The message carries the code only; the original error is the `cause`.
 */
export function classifyTransportError(error: unknown): GatewayError {
  const known = findGatewayError(error);
  if (known) return known;
  const code = findCode(error);
  const options = { cause: error };
  if (code === undefined && (error as { name?: unknown } | null)?.name === 'HTTPParserError') {
    // undici's parser errors carry no code when llhttp gives none (e.g. a non-HTTP answer).
    return new BackendProtocolError('invalid backend response (HTTPParserError)', options);
  }
  if (code === undefined) {
    const name = (error as { name?: unknown } | null)?.name;
    return new BackendUnreachableError(
      `backend request failed (${typeof name === 'string' ? name : 'unknown error'})`,
      options,
    );
  }
  if (isTlsCode(code)) {
    return new BackendTlsError(`backend TLS failed (${code})`, options);
  }
  if (UNREACHABLE_CODES.has(code))
    return new BackendUnreachableError(`backend unreachable (${code})`, options);
  if (TIMEOUT_CODES.has(code)) return new BackendTimeoutError(`backend timed out (${code})`, options);
  if (code === 'UND_ERR_RES_EXCEEDED_MAX_SIZE') {
    return new ResponseTooLargeError(`backend response above the size limit (${code})`, options);
  }
  if (PROTOCOL_CODES.has(code) || code.startsWith('HPE_')) {
    return new BackendProtocolError(`invalid backend response (${code})`, options);
  }
  return new BackendUnreachableError(`backend request failed (${code})`, options);
}
