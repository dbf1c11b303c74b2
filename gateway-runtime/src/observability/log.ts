/**
 * JSON-line logs. Only the fields below are ever written (an allow-list, not a filter): no headers,
 * no bodies, no query strings, no secret values, no error messages from third parties.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface LogFields {
  readonly requestId?: string;
  readonly method?: string;
  /** The request path without its query. */
  readonly path?: string;
  readonly status?: number;
  readonly upstreamStatus?: number;
  readonly durationMs?: number;
  /** A GatewayError code (e.g. BACKEND_TIMEOUT) or INTERNAL. */
  readonly error?: string;
  /** Configuration problems: JSON paths and the validator's messages (configuration holds no secrets). */
  readonly problems?: ReadonlyArray<{ readonly path: string; readonly message: string }>;
  /** Attempts made towards the backend (2 when a scheme retried). */
  readonly attempts?: number;
  readonly address?: string;
  readonly port?: number;
  /** The caller's verified client certificate (never its key). */
  readonly client?: ClientIdentity;
  /** The standalone server's own certificate, when it is loaded or rotated. */
  readonly certificate?: { readonly serial: string; readonly validTo: string; readonly daysToExpiry: number };
  /** How many similar lines were left out since the previous one (rate-limited warnings). */
  readonly suppressed?: number;
  /** The name of a malformed field of an input (e.g. a Lambda event's `httpMethod`), never its value. */
  readonly field?: string;
}

/** What is logged of a client certificate: names, serial and key hash; all public. */
export interface ClientIdentity {
  /** The subject, e.g. `CN=gateway-eu-west-1,O=apicloud`. */
  readonly subject: string;
  /** The subject alternative names as Node prints them (`DNS:a, URI:spiffe://...`). */
  readonly subjectAltName?: string;
  readonly issuer: string;
  /** Upper-case hex, as `openssl x509 -serial` prints it. */
  readonly serial: string;
  /** base64 SHA-256 of the SubjectPublicKeyInfo (the pin format of `allowedClientSpkiSha256`). */
  readonly spkiSha256: string;
}

const FIELD_NAMES: ReadonlyArray<keyof LogFields> = [
  'requestId',
  'method',
  'path',
  'status',
  'upstreamStatus',
  'durationMs',
  'error',
  'problems',
  'attempts',
  'address',
  'port',
  'client',
  'certificate',
  'suppressed',
  'field',
];

export type LineSink = (line: string) => void;

export const stdoutSink: LineSink = (line) => {
  process.stdout.write(`${line}\n`);
};

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

/** A logger that writes one JSON object per line: time, level, msg, name, then the known fields. */
export function createLogger(
  name: string,
  sink: LineSink = stdoutSink,
  now: () => number = Date.now,
): Logger {
  return {
    log(level, msg, fields = {}) {
      const entry: Record<string, unknown> = { time: new Date(now()).toISOString(), level, msg, name };
      for (const key of FIELD_NAMES) {
        if (fields[key] !== undefined) entry[key] = fields[key];
      }
      sink(JSON.stringify(entry));
    },
  };
}

/** The path without its query string, for logs. */
export function pathForLog(path: string): string {
  const at = path.search(/[?#]/);
  return at < 0 ? path : path.slice(0, at);
}
