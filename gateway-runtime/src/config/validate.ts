import { isIP } from 'node:net';
import { ConfigError } from '../core/errors';
import { CONFIG_VERSION, GatewayConfig, SecuritySchemeType } from './types';
import { schemeHeaderProblem } from '../core/headers';
import { NEVER_FORWARDED_METHODS } from './defaults';
import {
  Field,
  Fields,
  FORWARDING,
  LIMITS,
  MAX_TIMEOUT_MS,
  OAUTH2_TUNING,
  ROOT_TUNING,
  SERVER,
  SERVER_ADMIN,
  BACKEND,
  TIMEOUTS,
  TRUSTED_SOURCES,
} from './definition';
import { checkDnsSections } from './validate-dns';
import { withDefaults } from './resolve';
import { cidrProblem as sharedCidrProblem } from '../core/cidr';
import { createSourceMatcher } from '../core/client-address';

/**
 * The full validator of the runtime configuration. It walks the whole document, collects every problem
 * (each named by its JSON path, e.g. `security.password.jsonKey` or `trustedSources.cidrs[2]`) and throws
 * them together as one ConfigError. It has no dependencies, so the runtime bundle stays small.
 *
 * It returns the input unchanged: no defaults are merged in (consumers read them from defaults.ts), so
 * what is logged or compared is exactly what the operator wrote.
 */
export function validateConfig(input: unknown, options: ValidateOptions = {}): GatewayConfig {
  const check = new Checker(options);
  const doc = check.object(input, '', ROOT_FIELDS);
  if (doc) {
    check.root(doc);
  }
  if (check.problems.length > 0) throw new ConfigError(check.problems);
  return input as GatewayConfig;
}

export interface ValidateOptions {
  /**
   * For synth-time checks in lib/: strings for which this returns true (e.g. cdktf `Token.isUnresolved`)
   * are only checked to be strings; their format (ARN, URL, CIDR, host name, ...) is checked by the
   * runtime at start, when they are resolved.
   * @default - every string is checked in full
   */
  readonly isUnresolved?: (value: string) => boolean;
}

export const SIGNATURE_ALGORITHMS = [
  'hmac-sha256',
  'hmac-sha384',
  'hmac-sha512',
  'rsa-sha256',
  'hmac-sha1',
] as const;

export { MAX_TIMEOUT_MS };

/**
 * Fields that were renamed or removed, or that people reach for by habit: they fail loudly with what to
 * use instead. Keyed by the path with array indices dropped; `security.*` keys apply to every scheme type.
 */
export const REPLACED_FIELDS: Readonly<Record<string, string>> = {
  'backend.tls.rejectUnauthorized':
    'certificate verification can not be turned off: use backend.tls.ca for a private CA and backend.tls.servername when the name differs',
  'backend.tls.insecure':
    'certificate verification can not be turned off: use backend.tls.ca for a private CA and backend.tls.servername when the name differs',
  'backend.tls.cert': 'use backend.tls.clientCertificate.cert instead',
  'backend.tls.key': 'use backend.tls.clientCertificate.key instead',
  'backend.tls.passphrase': 'use backend.tls.clientCertificate.passphrase instead',
  'security.tokenEndpointTls.rejectUnauthorized':
    'certificate verification can not be turned off: use security.tokenEndpointTls.ca for a private CA',
  'security.scopes': 'use security.scope (one space-separated string) instead',
  'security.signedHeaders': 'use security.headers instead',
  'security.secret':
    'use security.key (signature) or security.clientSecret (oauth2-client-credentials) instead',
  'security.clientAuthMethod': 'use security.authMethod instead',
  'security.tokenEndpointAuthMethod': 'use security.authMethod instead',
  'trustedSources.hops': 'use trustedSources.trustedHops instead',
  'timeouts.connect': 'use timeouts.connectMs instead',
  'timeouts.headers': 'use timeouts.headersMs instead',
  'timeouts.body': 'use timeouts.bodyMs instead',
  'limits.maxBodyBytes': 'use limits.maxRequestBodyBytes instead',
  'forwarding.forwardCookie': 'use forwarding.forwardCookies instead',
  'server.tls.cert': 'use server.tls.certificate instead',
  'server.tls.ca': 'use server.tls.clientCa (the CA bundle of the admitted client certificates) instead',
  'server.tls.requestCert': 'a client certificate is always required when server.tls.clientCa is set',
  'server.tls.rejectUnauthorized':
    'clients without a valid certificate are always refused when server.tls.clientCa is set',
  'server.tls.minVersion': 'the minimum is always TLS 1.2 (TLS 1.3 preferred)',
  'server.tls.ciphers': 'the cipher list is fixed (TLS 1.3 suites and ECDHE with AEAD for TLS 1.2)',
};

/** Scheme types that do not exist, with what to use instead. */
export const REPLACED_SCHEME_TYPES: Readonly<Record<string, string>> = {
  oauth2: 'use "oauth2-client-credentials" instead',
  bearer: 'use "token" with "prefix": "Bearer " instead',
  'api-key': 'use "token" with "header" set to the key header instead',
  hmac: 'use "signature" with an hmac-* algorithm instead',
  'http-signature': 'use "signature" instead',
  mtls: 'mutual TLS is a transport setting that combines with any scheme: use backend.tls.clientCertificate (with "type": "none" when nothing else is needed)',
};

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (as server-tls.ts's isLoopbackAddress, without its BlockList). */
const isLoopbackIp = (address: string): boolean =>
  /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address) || /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(address);

/** The top-level fields of the document. */
export const ROOT_FIELDS: readonly string[] = [
  '$schema',
  'version',
  'name',
  'backend',
  'security',
  'trustedSources',
  'forwarding',
  'timeouts',
  'limits',
  'server',
  ...Object.keys(ROOT_TUNING),
];

/**
 * The fields of each scheme variant. Typed as a Record over the SecurityScheme union, so adding a scheme
 * type to types.ts fails the type check until it is added here (and the schema test then asks for it in
 * config.schema.json).
 */
export const SCHEME_FIELDS: Readonly<Record<SecuritySchemeType, readonly string[]>> = {
  none: ['type'],
  basic: ['type', 'username', 'password'],
  digest: ['type', 'username', 'password'],
  token: ['type', 'header', 'prefix', 'token'],
  signature: ['type', 'keyId', 'algorithm', 'key', 'headers', 'headerName', 'legacySha1'],
  'oauth2-client-credentials': [
    'type',
    'tokenUrl',
    'clientId',
    'clientSecret',
    'scope',
    'audience',
    'extraParams',
    'tokenEndpointTls',
    'tokenEndpointDns',
    ...Object.keys(OAUTH2_TUNING),
  ],
};

/** Every `security.type` the runtime knows. */
export const SECURITY_SCHEME_TYPES = Object.keys(SCHEME_FIELDS) as readonly SecuritySchemeType[];

/** RFC 9110 §5.6.2 token: the syntax of a header name. */
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+$/;
/** Pseudo-headers of draft-cavage-10 that this runtime does not produce. */
const UNSUPPORTED_PSEUDO_HEADERS = new Set(['(created)', '(expires)', '(algorithm)', '(keyid)']);
const SECRET_ARN = /^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:\d{12}:secret:[A-Za-z0-9/_+=.@!-]+$/;
const ENV_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
/** Printable text without control characters (header values, names in logs). */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const PRINTABLE = /^[^\u0000-\u001f\u007f]*$/;
/** RFC 6749 §3.3 scope-token, space separated. */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]+( [\x21\x23-\x5b\x5d-\x7e]+)*$/;
/** A DNS host name (for TLS servername): labels of letters, digits and hyphens. */
const HOSTNAME =
  /^(?=.{1,253}$)([A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)(\.[A-Za-z0-9]([A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/;
/** An admitted client identity: the subject CN or a subject alternative name, typed. */
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const CLIENT_NAME = /^(CN=|DNS:|URI:|email:)[^\u0000-\u001f\u007f]+$/;
/** base64 of 32 bytes (SPKI SHA-256 pin). */
const SHA256_BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const OAUTH_RESERVED_PARAMS: Readonly<Record<string, string>> = {
  grant_type: 'is always client_credentials',
  client_id: 'use security.clientId instead',
  client_secret: 'use security.clientSecret instead',
  scope: 'use security.scope instead',
  audience: 'use security.audience instead',
};

type Obj = Record<string, unknown>;
type Problem = { path: string; message: string };

/** A loopback host of a URL (`URL.hostname`: IPv6 in brackets). */
const isLoopbackHost = (hostname: string): boolean =>
  hostname === 'localhost' || hostname === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(hostname);

/**
 * The text of a URL that did not parse, for a message: not shown when it holds an `@` (it may carry
 * `user:password@`), else shortened.
 */
export function showUnparsedUrl(value: string): string {
  return value.includes('@') ? '(not shown: it contains "@" and may hold credentials)' : show(value);
}

const show = (value: unknown): string => {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value);
  return text.length > 60 ? `${text.slice(0, 57)}...` : text;
};

const typeName = (value: unknown): string =>
  value === null
    ? 'null'
    : value === undefined
      ? 'nothing'
      : Array.isArray(value)
        ? 'an array'
        : typeof value === 'object'
          ? 'an object'
          : `a ${typeof value}`;

const join = (path: string, field: string | number): string =>
  typeof field === 'number' ? `${path}[${field}]` : path === '' ? field : `${path}.${field}`;

/** Levenshtein distance, for "did you mean" hints on misspelt fields. */
function distance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let previous = row[0];
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const current = row[j];
      row[j] = Math.min(row[j] + 1, row[j - 1] + 1, previous + (a[i - 1] === b[j - 1] ? 0 : 1));
      previous = current;
    }
  }
  return row[b.length];
}

function suggest(field: string, allowed: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = 3;
  for (const candidate of allowed) {
    const d = distance(field.toLowerCase(), candidate.toLowerCase());
    if (d < bestDistance) {
      best = candidate;
      bestDistance = d;
    }
  }
  return best;
}

/**
 * Why a text is not an IPv4/IPv6 CIDR block for `trustedSources.cidrs`, or undefined when it is one: the
 * shared CIDR module's reasons, and a /0 block is refused (it admits every address).
 */
export function cidrProblem(text: string): string | undefined {
  const problem = sharedCidrProblem(text);
  if (problem) return problem;
  return text.endsWith('/0') ? 'admits every address: omit trustedSources instead' : undefined;
}

class Checker {
  readonly problems: Problem[] = [];

  constructor(private readonly options: ValidateOptions) {}

  add(path: string, message: string): void {
    this.problems.push({ path: path === '' ? '(root)' : path, message });
  }

  /** An object whose fields are all in `allowed`; unknown fields are reported (with a hint). */
  object(
    value: unknown,
    path: string,
    allowed: readonly string[],
    elsewhere?: (field: string) => string | undefined,
  ): Obj | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, `must be a JSON object, got ${typeName(value)}`);
      return undefined;
    }
    const obj = value as Obj;
    for (const field of Object.keys(obj)) {
      if (allowed.includes(field)) continue;
      const fieldPath = join(path, field);
      const replaced = REPLACED_FIELDS[fieldPath];
      if (replaced) {
        this.add(fieldPath, `unknown field: ${replaced}`);
        continue;
      }
      const other = elsewhere?.(field);
      if (other) {
        this.add(fieldPath, `unknown field: ${other}`);
        continue;
      }
      const hint = suggest(field, allowed);
      this.add(fieldPath, hint ? `unknown field (did you mean "${hint}"?)` : 'unknown field');
    }
    return obj;
  }

  /**
   * Checks the fields of a section of the definition, in its order: `int`, `bool` and `oneOf` fields by
   * their kind, `custom` fields by the function given for them (if any). Returns whether every field of a
   * kind passed.
   */
  fields(
    obj: Obj,
    path: string,
    section: Fields,
    custom: Record<string, (value: unknown) => void> = {},
  ): boolean {
    let ok = true;
    for (const [key, field] of Object.entries(section) as Array<[string, Field]>) {
      const value = obj[key];
      if (value === undefined) continue;
      const fieldPath = join(path, key);
      if (field.kind === 'int') ok = this.integer(value, fieldPath, field.min, field.max) && ok;
      else if (field.kind === 'bool') ok = this.boolean(value, fieldPath) && ok;
      else if (field.kind === 'oneOf') ok = this.oneOf(value, fieldPath, field.values) && ok;
      else custom[key]?.(value);
    }
    return ok;
  }

  required(obj: Obj, field: string, path: string): boolean {
    if (obj[field] === undefined) {
      this.add(join(path, field), 'is required');
      return false;
    }
    return true;
  }

  /** `secret`: the value may be a secret pasted in the wrong field, and is never shown. */
  string(
    value: unknown,
    path: string,
    rules: { maxLength?: number; pattern?: RegExp; rule?: string; secret?: boolean } = {},
  ): value is string {
    if (typeof value !== 'string') {
      this.add(path, `must be a string, got ${typeName(value)}`);
      return false;
    }
    // An unresolved token: nothing more can be known now (and callers must not check further).
    if (this.options.isUnresolved?.(value)) return false;
    if (value.length === 0) {
      this.add(path, 'must not be empty');
      return false;
    }
    if (rules.maxLength !== undefined && value.length > rules.maxLength) {
      this.add(path, `must be at most ${rules.maxLength} characters, got ${value.length}`);
      return false;
    }
    if (rules.pattern && !rules.pattern.test(value)) {
      const rule = rules.rule ?? 'has an invalid format';
      this.add(path, rules.secret ? `${rule} (the value is not shown)` : `${show(value)} ${rule}`);
      return false;
    }
    return true;
  }

  /** Text that may end up in a header value or a log line: no control characters. */
  text(value: unknown, path: string, maxLength = 1024, secret = false): value is string {
    return this.string(value, path, {
      maxLength,
      pattern: PRINTABLE,
      rule: 'must not contain control characters (CR, LF, ...)',
      secret,
    });
  }

  integer(value: unknown, path: string, min: number, max = Number.MAX_SAFE_INTEGER): value is number {
    if (typeof value !== 'number' || !Number.isInteger(value)) {
      this.add(path, `must be an integer, got ${show(value)}`);
      return false;
    }
    if (value < min || value > max) {
      const range = max === Number.MAX_SAFE_INTEGER ? `at least ${min}` : `between ${min} and ${max}`;
      this.add(path, `must be ${range}, got ${value}`);
      return false;
    }
    return true;
  }

  boolean(value: unknown, path: string): value is boolean {
    if (typeof value !== 'boolean') {
      this.add(path, `must be true or false, got ${show(value)}`);
      return false;
    }
    return true;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): value is T {
    if (typeof value !== 'string' || !allowed.includes(value as T)) {
      this.add(path, `must be one of ${allowed.map((a) => `"${a}"`).join(', ')}, got ${show(value)}`);
      return false;
    }
    return true;
  }

  array(value: unknown, path: string, minItems: number): value is unknown[] {
    if (!Array.isArray(value)) {
      this.add(path, `must be an array, got ${typeName(value)}`);
      return false;
    }
    if (value.length < minItems) {
      this.add(path, `must have at least ${minItems} item${minItems === 1 ? '' : 's'}`);
      return false;
    }
    return true;
  }

  /** A URL: http(s) only, no credentials, no fragment; no query unless `allowQuery`. */
  url(value: unknown, path: string, opts: { allowQuery: boolean }): URL | undefined {
    if (!this.string(value, path, { maxLength: 2048 })) return undefined;
    let url: URL;
    try {
      url = new URL(value);
    } catch {
      this.add(path, `${showUnparsedUrl(value)} is not an absolute URL`);
      return undefined;
    }
    const problems: string[] = [];
    if (url.protocol !== 'https:' && url.protocol !== 'http:') {
      problems.push(`must use https:// or http://, got ${url.protocol}//`);
    }
    if (url.username !== '' || url.password !== '') {
      problems.push('must not contain credentials (user:password@); use the security scheme and secrets');
    }
    if (url.hash !== '' || value.includes('#')) problems.push('must not contain a fragment (#...)');
    if (!opts.allowQuery && (url.search !== '' || value.includes('?'))) {
      problems.push('must not contain a query (?...); the request query is appended to it');
    }
    for (const problem of problems) this.add(path, problem);
    return problems.length === 0 ? url : undefined;
  }

  secretRef(value: unknown, path: string): void {
    if (typeof value === 'string') {
      this.add(
        path,
        'must be a secret reference ({"secretArn": ...}, {"file": ...} or {"env": ...}), never the secret itself',
      );
      return;
    }
    const ref = this.object(value, path, ['secretArn', 'file', 'env', 'jsonKey']);
    if (!ref) return;
    const sources = ['secretArn', 'file', 'env'].filter((key) => ref[key] !== undefined);
    if (sources.length !== 1) {
      this.add(
        path,
        sources.length === 0
          ? 'must have one of "secretArn", "file" or "env"'
          : `must have only one of "secretArn", "file" or "env", got ${sources.map((s) => `"${s}"`).join(' and ')}`,
      );
    }
    if (ref.secretArn !== undefined) {
      this.string(ref.secretArn, join(path, 'secretArn'), {
        pattern: SECRET_ARN,
        rule: 'is not a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)',
      });
    }
    if (ref.file !== undefined) this.text(ref.file, join(path, 'file'), 4096);
    if (ref.env !== undefined) {
      this.string(ref.env, join(path, 'env'), {
        maxLength: 256,
        pattern: ENV_NAME,
        rule: 'is not an environment variable name (letters, digits, _; not starting with a digit)',
      });
    }
    if (ref.jsonKey !== undefined) this.text(ref.jsonKey, join(path, 'jsonKey'), 256);
  }

  /**
   * An inline value (a user name) or a reference. The inline value is never shown: a password pasted
   * into `username` must not end up in a message (and so in CI logs).
   */
  stringOrSecret(value: unknown, path: string, inline?: { pattern: RegExp; rule: string }): void {
    if (typeof value === 'string') {
      if (this.text(value, path, 256, true) && inline && !inline.pattern.test(value)) {
        this.add(path, `${inline.rule} (the value is not shown)`);
      }
      return;
    }
    this.secretRef(value, path);
  }

  headerName(value: unknown, path: string): value is string {
    if (
      !this.string(value, path, {
        maxLength: 256,
        pattern: TOKEN,
        rule: 'is not a valid header name (RFC 9110 token)',
      })
    ) {
      return false;
    }
    const problem = schemeHeaderProblem(value);
    if (problem) {
      this.add(path, `${show(value)} can not carry a credential: it ${problem}`);
      return false;
    }
    return true;
  }

  hostname(value: unknown, path: string): void {
    const rule = 'is not a DNS host name (TLS server names can not be IP addresses or carry a port)';
    if (this.string(value, path, { pattern: HOSTNAME, rule }) && isIP(value) !== 0) {
      this.add(path, `${show(value)} ${rule}`);
    }
  }

  root(doc: Obj): void {
    if (doc.$schema !== undefined) this.string(doc.$schema, '$schema', { maxLength: 2048 });
    if (doc.version !== CONFIG_VERSION) {
      this.add('version', `must be ${CONFIG_VERSION}, got ${show(doc.version)}`);
    }
    if (this.required(doc, 'name', '')) this.text(doc.name, 'name', 128);
    let backendUrl: URL | undefined;
    if (this.required(doc, 'backend', '')) backendUrl = this.backend(doc.backend);
    if (this.required(doc, 'security', '')) this.security(doc.security, backendUrl);
    checkDnsSections(this, doc);
    if (doc.trustedSources !== undefined) this.trustedSources(doc.trustedSources);
    if (doc.forwarding !== undefined) {
      const f = this.object(doc.forwarding, 'forwarding', Object.keys(FORWARDING));
      if (f) {
        this.fields(f, 'forwarding', FORWARDING, {
          allowedMethods: (methods) => this.methods(methods, 'forwarding.allowedMethods'),
        });
      }
    }
    for (const [key, section] of [
      ['timeouts', TIMEOUTS],
      ['limits', LIMITS],
    ] as const) {
      if (doc[key] === undefined) continue;
      const fields = this.object(doc[key], key, Object.keys(section));
      if (fields) this.fields(fields, key, section);
    }
    if (doc.server !== undefined) this.server(doc.server);
    this.fields(doc, '', ROOT_TUNING);
  }

  methods(value: unknown, path: string): void {
    if (!this.array(value, path, 1)) return;
    const seen = new Set<unknown>();
    value.forEach((method, i) => {
      const itemPath = join(path, i);
      if (seen.has(method)) this.add(itemPath, `${show(method)} is listed twice`);
      seen.add(method);
      if (!this.string(method, itemPath, { maxLength: 32, pattern: TOKEN, rule: 'is not a method name' })) {
        return;
      }
      if (NEVER_FORWARDED_METHODS.has(method.toUpperCase())) {
        this.add(
          itemPath,
          `${show(method)} is never forwarded (TRACE and TRACK echo the request with the gateway's credentials, CONNECT opens a tunnel)`,
        );
      } else if (method !== method.toUpperCase()) {
        this.add(itemPath, `${show(method)} must be upper case (use ${show(method.toUpperCase())})`);
      }
    });
  }

  backend(value: unknown): URL | undefined {
    const backend = this.object(value, 'backend', ['url', 'tls', 'dns', ...Object.keys(BACKEND)]);
    if (!backend) return undefined;
    let url: URL | undefined;
    if (this.required(backend, 'url', 'backend')) {
      url = this.url(backend.url, 'backend.url', { allowQuery: false });
    }
    const allowed = backend.allowedAddresses;
    if (allowed !== undefined && this.array(allowed, 'backend.allowedAddresses', 1)) {
      const bad = allowed.map((c) => (typeof c === 'string' ? sharedCidrProblem(c) : 'must be a string'));
      bad.forEach((problem, i) => problem && this.add(`backend.allowedAddresses[${i}]`, problem));
      // An address URL is never looked up: it is checked here, once.
      const host = url?.hostname.replace(/^\[|\]$/g, '');
      if (!bad.some(Boolean) && host && isIP(host) && !createSourceMatcher(allowed as string[])(host)) {
        this.add('backend.url', `${host} is outside backend.allowedAddresses`);
      }
    }
    if (backend.tls !== undefined) {
      if (url?.protocol === 'http:') {
        this.add('backend.tls', 'is set, but backend.url is http://: use an https:// URL');
      }
      this.tls(backend.tls, 'backend.tls');
    }
    return url;
  }

  tls(value: unknown, path: string): void {
    const tls = this.object(value, path, ['ca', 'servername', 'clientCertificate', 'pinnedSpkiSha256']);
    if (!tls) return;
    if (tls.ca !== undefined) this.secretRef(tls.ca, join(path, 'ca'));
    if (tls.servername !== undefined) this.hostname(tls.servername, join(path, 'servername'));
    if (tls.clientCertificate !== undefined) {
      const certPath = join(path, 'clientCertificate');
      const cc = this.object(tls.clientCertificate, certPath, ['cert', 'key', 'passphrase']);
      if (cc) {
        if (this.required(cc, 'cert', certPath)) this.secretRef(cc.cert, join(certPath, 'cert'));
        if (this.required(cc, 'key', certPath)) this.secretRef(cc.key, join(certPath, 'key'));
        if (cc.passphrase !== undefined) this.secretRef(cc.passphrase, join(certPath, 'passphrase'));
      }
    }
    if (tls.pinnedSpkiSha256 !== undefined) {
      const pinPath = join(path, 'pinnedSpkiSha256');
      if (this.array(tls.pinnedSpkiSha256, pinPath, 1)) {
        const seen = new Set<unknown>();
        tls.pinnedSpkiSha256.forEach((pin, i) => {
          const itemPath = join(pinPath, i);
          if (seen.has(pin)) this.add(itemPath, 'is listed twice');
          seen.add(pin);
          this.string(pin, itemPath, {
            pattern: SHA256_BASE64,
            rule: 'is not a base64 SHA-256 digest (44 characters ending in "=")',
          });
        });
      }
    }
  }

  security(value: unknown, backendUrl: URL | undefined): void {
    const path = 'security';
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.add(path, `must be a JSON object, got ${typeName(value)}`);
      return;
    }
    const type = (value as Obj).type;
    if (typeof type === 'string' && REPLACED_SCHEME_TYPES[type]) {
      this.add('security.type', `unknown scheme type ${show(type)}: ${REPLACED_SCHEME_TYPES[type]}`);
      return;
    }
    if (!this.oneOf(type, 'security.type', SECURITY_SCHEME_TYPES)) return;
    const s = this.object(value, path, SCHEME_FIELDS[type], (field) => {
      const owners = SECURITY_SCHEME_TYPES.filter((t) => SCHEME_FIELDS[t].includes(field));
      return owners.length === 0
        ? undefined
        : `it belongs to "type": ${owners.map((t) => `"${t}"`).join(' or ')}, not "${type}"`;
    });
    if (!s) return;
    switch (type) {
      case 'none':
        return;
      case 'basic':
      case 'digest':
        if (this.required(s, 'username', path)) {
          this.stringOrSecret(
            s.username,
            'security.username',
            type === 'basic' ? { pattern: /^[^:]*$/, rule: 'must not contain ":" (RFC 7617)' } : undefined,
          );
        }
        if (this.required(s, 'password', path)) this.secretRef(s.password, 'security.password');
        return;
      case 'token':
        if (s.header !== undefined) this.headerName(s.header, 'security.header');
        if (s.prefix !== undefined) {
          if (typeof s.prefix !== 'string')
            this.add('security.prefix', `must be a string, got ${typeName(s.prefix)}`);
          else if (!PRINTABLE.test(s.prefix)) {
            this.add('security.prefix', 'must not contain control characters (CR, LF, ...)');
          }
        }
        if (this.required(s, 'token', path)) this.secretRef(s.token, 'security.token');
        return;
      case 'signature':
        this.signature(s);
        return;
      case 'oauth2-client-credentials':
        this.oauth2(s, backendUrl);
        return;
    }
  }

  signature(s: Obj): void {
    const path = 'security';
    if (this.required(s, 'keyId', path)) {
      this.string(s.keyId, 'security.keyId', {
        maxLength: 1024,
        pattern: /^[\x20\x21\x23-\x5b\x5d-\x7e]+$/,
        rule: 'must be printable ASCII without " or \\ (it is sent as a quoted string)',
      });
    }
    if (
      this.required(s, 'algorithm', path) &&
      this.oneOf(s.algorithm, 'security.algorithm', SIGNATURE_ALGORITHMS)
    ) {
      if (s.algorithm === 'hmac-sha1' && s.legacySha1 !== true) {
        this.add(
          'security.algorithm',
          '"hmac-sha1" is a legacy algorithm: set "legacySha1": true to use it anyway',
        );
      }
    }
    if (s.legacySha1 !== undefined) this.boolean(s.legacySha1, 'security.legacySha1');
    if (this.required(s, 'key', path)) this.secretRef(s.key, 'security.key');
    if (s.headerName !== undefined)
      this.oneOf(s.headerName, 'security.headerName', ['authorization', 'signature']);
    if (s.headers !== undefined && this.array(s.headers, 'security.headers', 1)) {
      const seen = new Set<unknown>();
      s.headers.forEach((header, i) => {
        const itemPath = `security.headers[${i}]`;
        if (seen.has(header)) this.add(itemPath, `${show(header)} is listed twice`);
        seen.add(header);
        if (!this.string(header, itemPath, { maxLength: 256 })) return;
        if (header === '(request-target)') return;
        if (UNSUPPORTED_PSEUDO_HEADERS.has(header)) {
          this.add(itemPath, `${show(header)} is not supported; sign "date" for freshness`);
        } else if (!TOKEN.test(header)) {
          this.add(itemPath, `${show(header)} is not a header name (RFC 9110 token) or "(request-target)"`);
        } else if (header !== header.toLowerCase()) {
          this.add(itemPath, `${show(header)} must be lower case (use ${show(header.toLowerCase())})`);
        }
      });
      if (!s.headers.includes('(request-target)')) {
        this.add(
          'security.headers',
          'must include "(request-target)": without it a signature could be replayed against another method or path',
        );
      }
    }
  }

  oauth2(s: Obj, backendUrl: URL | undefined): void {
    const path = 'security';
    const insecureLoopback = s.allowInsecureLoopbackTokenUrl;
    const tuningOk = this.fields(s, path, OAUTH2_TUNING);
    if (this.required(s, 'tokenUrl', path)) {
      const url = this.url(s.tokenUrl, 'security.tokenUrl', { allowQuery: true });
      if (url && backendUrl && url.origin === backendUrl.origin && url.pathname === backendUrl.pathname) {
        this.add('security.tokenUrl', 'must not be the backend URL itself');
      }
      if (url?.protocol === 'http:') {
        if (insecureLoopback !== true) {
          this.add(
            'security.tokenUrl',
            `${show(url.origin)} must use https:// (the client secret is sent to it); for a test token server on loopback set "allowInsecureLoopbackTokenUrl": true`,
          );
        } else if (!isLoopbackHost(url.hostname)) {
          this.add(
            'security.tokenUrl',
            `${show(url.origin)} must use https://: allowInsecureLoopbackTokenUrl admits http:// only on a loopback host (127.0.0.0/8, ::1, localhost)`,
          );
        }
      }
    }
    if (this.required(s, 'clientId', path)) this.text(s.clientId, 'security.clientId', 1024);
    if (this.required(s, 'clientSecret', path)) this.secretRef(s.clientSecret, 'security.clientSecret');
    if (s.scope !== undefined) {
      this.string(s.scope, 'security.scope', {
        maxLength: 4096,
        pattern: SCOPE,
        rule: 'must be scope tokens separated by single spaces (RFC 6749 §3.3)',
      });
    }
    if (s.audience !== undefined) this.text(s.audience, 'security.audience', 2048);
    if (s.extraParams !== undefined) {
      if (typeof s.extraParams !== 'object' || s.extraParams === null || Array.isArray(s.extraParams)) {
        this.add('security.extraParams', `must be a JSON object of strings, got ${typeName(s.extraParams)}`);
      } else {
        for (const [key, paramValue] of Object.entries(s.extraParams as Obj)) {
          const paramPath = `security.extraParams.${key}`;
          if (OAUTH_RESERVED_PARAMS[key])
            this.add(paramPath, `can not be set here: ${OAUTH_RESERVED_PARAMS[key]}`);
          else if (typeof paramValue !== 'string')
            this.add(paramPath, `must be a string, got ${typeName(paramValue)}`);
        }
      }
    }
    if (tuningOk) {
      const { expiryMarginSeconds: margin, defaultLifetimeSeconds: lifetime } = withDefaults(
        s,
        OAUTH2_TUNING,
      );
      if (margin >= lifetime) {
        this.add(
          'security.expiryMarginSeconds',
          `must be less than defaultLifetimeSeconds (${margin} >= ${lifetime}), or tokens without expires_in are never reused`,
        );
      }
    }
    if (s.tokenEndpointTls !== undefined) {
      const tlsPath = 'security.tokenEndpointTls';
      const tls = this.object(s.tokenEndpointTls, tlsPath, ['ca', 'servername']);
      if (tls) {
        if (tls.ca !== undefined) this.secretRef(tls.ca, `${tlsPath}.ca`);
        if (tls.servername !== undefined) this.hostname(tls.servername, `${tlsPath}.servername`);
      }
    }
  }

  trustedSources(value: unknown): void {
    const path = 'trustedSources';
    const ts = this.object(value, path, Object.keys(TRUSTED_SOURCES));
    if (!ts) return;
    if (this.required(ts, 'cidrs', path) && this.array(ts.cidrs, 'trustedSources.cidrs', 1)) {
      ts.cidrs.forEach((cidr, i) => {
        const itemPath = `trustedSources.cidrs[${i}]`;
        if (!this.string(cidr, itemPath, { maxLength: 64 })) return;
        const problem = cidrProblem(cidr);
        if (problem) this.add(itemPath, `${show(cidr)} ${problem}`);
      });
    }
    this.fields(ts, path, TRUSTED_SOURCES);
  }

  server(value: unknown): void {
    const path = 'server';
    const srv = this.object(value, path, Object.keys(SERVER));
    if (!srv) return;
    const ok = this.fields(srv, path, SERVER);
    if (ok) {
      const { requestTimeoutMs: request, headersTimeoutMs: headers } = withDefaults(srv, SERVER);
      if (headers > request) {
        this.add(
          'server.headersTimeoutMs',
          `must not be more than server.requestTimeoutMs (${headers} > ${request}): the headers are part of the request`,
        );
      }
    }
    if (srv.host !== undefined && this.string(srv.host, 'server.host', { maxLength: 253 })) {
      if (isIP(srv.host) === 0 && !HOSTNAME.test(srv.host)) {
        this.add('server.host', `${show(srv.host)} is not an IP address or host name`);
      }
    }
    if (srv.healthPath !== undefined) {
      this.string(srv.healthPath, 'server.healthPath', {
        maxLength: 256,
        pattern: /^\/[A-Za-z0-9\-._~!$&'()*+,;=:@/%]*$/,
        rule: 'must be a path starting with "/" (no query, no spaces)',
      });
    }
    if (srv.tls !== undefined) this.serverTls(srv.tls);
    if (srv.admin !== undefined) this.serverAdmin(srv.admin, srv.port);
    if (srv.unauthenticatedReason !== undefined) {
      this.text(srv.unauthenticatedReason, 'server.unauthenticatedReason', 512);
      const tls = srv.tls as Obj | undefined;
      if (typeof tls === 'object' && tls !== null && tls.clientCa !== undefined) {
        this.add(
          'server.unauthenticatedReason',
          'is set, but server.tls.clientCa authenticates every client: remove server.unauthenticatedReason',
        );
      }
    }
  }

  /** `server.admin`: the liveness and readiness listener, loopback unless explicitly allowed. */
  serverAdmin(value: unknown, serverPort: unknown): void {
    const path = 'server.admin';
    const admin = this.object(value, path, Object.keys(SERVER_ADMIN));
    if (!admin) return;
    this.required(admin, 'port', path);
    this.fields(admin, path, SERVER_ADMIN);
    const { address, port, allowNonLoopback } = withDefaults(admin, SERVER_ADMIN);
    if (typeof address === 'string' && this.string(address, 'server.admin.address', { maxLength: 45 })) {
      if (isIP(address) === 0) {
        this.add('server.admin.address', `${show(address)} is not an IP address`);
      } else if (!isLoopbackIp(address) && allowNonLoopback !== true) {
        this.add(
          'server.admin.address',
          `${address} is not a loopback address (the admin listener has no authentication): set server.admin.allowNonLoopback to allow it`,
        );
      }
    }
    if (port !== 0 && port === (serverPort ?? SERVER.port.default)) {
      this.add('server.admin.port', `must differ from server.port (${port})`);
    }
  }

  /** `server.tls`: inbound TLS, client certificates and the admitted client identities. */
  serverTls(value: unknown): void {
    const path = 'server.tls';
    const tls = this.object(value, path, [
      'certificate',
      'key',
      'passphrase',
      'clientCa',
      'allowedClientNames',
      'allowedClientSpkiSha256',
    ]);
    if (!tls) return;
    for (const field of ['certificate', 'key']) {
      if (this.required(tls, field, path)) this.secretRef(tls[field], join(path, field));
    }
    for (const field of ['passphrase', 'clientCa']) {
      if (tls[field] !== undefined) this.secretRef(tls[field], join(path, field));
    }
    const lists = [
      ['allowedClientNames', CLIENT_NAME, 'is not CN=<name>, DNS:<name>, URI:<uri> or email:<address>'],
      [
        'allowedClientSpkiSha256',
        SHA256_BASE64,
        'is not a base64 SHA-256 digest (44 characters ending in "=")',
      ],
    ] as const;
    for (const [field, pattern, rule] of lists) {
      const list = tls[field];
      if (list === undefined) continue;
      const listPath = join(path, field);
      if (tls.clientCa === undefined) {
        this.add(listPath, 'needs server.tls.clientCa: without it no client certificate is asked for');
      }
      if (!this.array(list, listPath, 1)) continue;
      const seen = new Set<unknown>();
      list.forEach((item, i) => {
        if (seen.has(item)) this.add(join(listPath, i), `${show(item)} is listed twice`);
        seen.add(item);
        this.string(item, join(listPath, i), { maxLength: 1024, pattern, rule });
      });
    }
  }
}
