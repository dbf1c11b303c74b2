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
  /**
   * A secret that could not be read (CREDENTIALS_UNAVAILABLE): its reference (`secret file /run/x`,
   * `secret arn:...`, `environment variable X`, with `(jsonKey "k")`), never its value.
   */
  readonly secret?: string;
  /** Why: ENOENT, EACCES, NOT_SET, EMPTY, NOT_JSON, NOT_JSON_OBJECT, KEY_MISSING, AccessDeniedException, ... */
  readonly reason?: string;
  /** Where the secret reference is in the configuration, e.g. `security.password`. */
  readonly configPath?: string;
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
  'secret',
  'reason',
  'configPath',
];

export type LineSink = (line: string) => void;

export const stdoutSink: LineSink = (line) => {
  process.stdout.write(`${line}\n`);
};

/** A line sink that holds lines for a moment; `flush()` writes them now. */
export interface BufferedLineSink extends LineSink {
  flush(): void;
}

/** Pending bytes above which a buffered sink writes at once, without waiting for the next turn. */
const BUFFERED_SINK_MAX_PENDING = 64 * 1024;

/**
 * A sink that writes its lines together: those that arrive within `intervalMs` (0: within one
 * event-loop turn) in one write, or at once past 64 KiB, instead of one write per line. The standalone
 * server writes two lines per request, and each synchronous write to a pipe or file was a system call
 * on the event loop (nginx's `access_log ... buffer= flush=` does the same). Lines are only delayed,
 * never dropped: `flush()` writes them (shutdown), and so does the process's `exit`.
 * @param write where the joined lines go @default process.stdout.write
 * @param intervalMs how long a line may wait for others @default 0 (until the next event-loop turn)
 */
export function createBufferedSink(
  write: (chunk: string) => void = (chunk) => process.stdout.write(chunk),
  intervalMs = 0,
): BufferedLineSink {
  let pending: string[] = [];
  let bytes = 0;
  let scheduled: { cancel(): void } | undefined;
  const flush = () => {
    scheduled?.cancel();
    scheduled = undefined;
    if (pending.length === 0) return;
    const chunk = `${pending.join('\n')}\n`;
    pending = [];
    bytes = 0;
    write(chunk);
  };
  const schedule = (): { cancel(): void } => {
    if (intervalMs <= 0) {
      const immediate = setImmediate(flush);
      return { cancel: () => clearImmediate(immediate) };
    }
    const timer = setTimeout(flush, intervalMs).unref();
    return { cancel: () => clearTimeout(timer) };
  };
  process.on('exit', flush);
  const sink = (line: string) => {
    pending.push(line);
    bytes += line.length;
    if (bytes > BUFFERED_SINK_MAX_PENDING) flush();
    else scheduled ??= schedule();
  };
  return Object.assign(sink, { flush });
}

export interface Logger {
  log(level: LogLevel, msg: string, fields?: LogFields): void;
}

/** A logger that writes one JSON object per line: time, level, msg, name, then the known fields. */
export function createLogger(
  name: string,
  sink: LineSink = stdoutSink,
  now: () => number = Date.now,
): Logger {
  const nameJson = JSON.stringify(name);
  // The time as text, made once per millisecond (under load, many lines share one).
  let lastMs = NaN;
  let lastTime = '';
  return {
    log(level, msg, fields = {}) {
      const ms = now();
      if (ms !== lastMs) {
        lastMs = ms;
        lastTime = new Date(ms).toISOString();
      }
      // The JSON text of { time, level, msg, name, ...the known fields set }, written field by field
      // (what JSON.stringify of that object writes, without building the object per line).
      let line = `{"time":"${lastTime}","level":${JSON.stringify(level)},"msg":${JSON.stringify(msg)},"name":${nameJson}`;
      for (const key of FIELD_NAMES) {
        const value = fields[key];
        const text =
          typeof value === 'number'
            ? Number.isFinite(value)
              ? String(value)
              : 'null'
            : value === undefined
              ? undefined
              : JSON.stringify(value);
        if (text !== undefined) line += `,"${key}":${text}`;
      }
      sink(`${line}}`);
    },
  };
}

/** The path without its query string, for logs. */
export function pathForLog(path: string): string {
  const at = path.search(/[?#]/);
  return at < 0 ? path : path.slice(0, at);
}
