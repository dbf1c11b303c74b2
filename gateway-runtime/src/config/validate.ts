import { isIP } from 'node:net';
import { ConfigError } from '../core/errors';
import { CONFIG_VERSION, GatewayConfig, SecuritySchemeType } from './types';
import { schemeHeaderProblem } from '../core/headers';
import { NEVER_FORWARDED_METHODS } from './defaults';
import {
  BACKEND,
  Field,
  Fields,
  StrField,
  FORWARDING,
  HOSTNAME,
  MAX_TIMEOUT_MS,
  PRINTABLE,
  ROOT,
  SCHEMES,
  SECRET_REF,
  SERVER,
  SERVER_ADMIN,
  TOKEN,
  TRUSTED_SOURCES,
} from './definition';
import { checkDnsSections } from './validate-dns';
import { sigV4CrossFieldProblems } from './sigv4-rules';
import { componentListProblems } from './message-signature-components';
import { withDefaults } from './resolve';
import { cidrProblem as sharedCidrProblem } from '../core/cidr';
import { createSourceMatcher } from '../core/client-address';
import { parseHostPort } from '../core/host-port';

/**
 * The full validator of the runtime configuration. It walks the whole document, collects every problem
 * (each named by its JSON path, e.g. `security.password.jsonKey` or `trustedSources.cidrs[2]`) and throws
 * them together as one ConfigError. It has no dependencies, so the runtime bundle stays small.
 *
 * It returns the input unchanged: no defaults are merged in, so what is logged or compared is exactly
 * what the operator wrote. `parseConfig` (resolve.ts) validates and applies every default.
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

export const SIGNATURE_ALGORITHMS = SCHEMES.signature.algorithm.values;

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
  'aws-sigv4': 'use "sigv4" instead',
  aws4: 'use "sigv4" instead',
  mtls: 'mutual TLS is a transport setting that combines with any scheme: use backend.tls.clientCertificate (with "type": "none" when nothing else is needed)',
};

/** 127.0.0.0/8, ::1 and IPv4-mapped 127.x (as server-tls.ts's isLoopbackAddress, without its BlockList). */
const isLoopbackIp = (address: string): boolean =>
  /^(::ffff:)?127\.\d+\.\d+\.\d+$/i.test(address) || /^(0{0,4}:){7}0{0,3}1$|^::1$/.test(address);

/** The top-level fields of the document (ROOT in the definition). */
export const ROOT_FIELDS: readonly string[] = Object.keys(ROOT);

/** The fields of each scheme variant: `type` and the scheme's section of the definition (SCHEMES). */
export const SCHEME_FIELDS = Object.fromEntries(
  Object.entries(SCHEMES).map(([type, fields]) => [type, ['type', ...Object.keys(fields)]]),
) as unknown as Readonly<Record<SecuritySchemeType, readonly string[]>>;

/** Every `security.type` the runtime knows. */
export const SECURITY_SCHEME_TYPES = Object.keys(SCHEME_FIELDS) as readonly SecuritySchemeType[];

/** Pseudo-headers of draft-cavage-10 that this runtime does not produce. */
const UNSUPPORTED_PSEUDO_HEADERS = new Set(['(created)', '(expires)', '(algorithm)', '(keyid)']);
const OAUTH_RESERVED_PARAMS: Readonly<Record<string, string>> = {
  grant_type: 'is always client_credentials',
  client_id: 'use security.clientId instead',
  client_secret: 'use security.clientSecret instead',
  scope: 'use security.scope instead',
  audience: 'use security.audience instead',
  client_assertion: 'use security.privateKeyJwt instead (authMethod "private_key_jwt")',
  client_assertion_type: 'use security.privateKeyJwt instead (authMethod "private_key_jwt")',
  resource: 'use security.resource (a list of absolute URIs) instead',
};

/** The OAuth 2.0 client authentication methods that send a shared client secret. */
const SECRET_METHODS: readonly string[] = ['client_secret_basic', 'client_secret_post'];
/** The RFC 8705 methods: the client certificate on the token endpoint's connection authenticates. */
const TLS_METHODS: readonly string[] = ['tls_client_auth', 'self_signed_tls_client_auth'];

type Obj = Record<string, unknown>;
type Problem = { path: string; message: string };
const NO_CONTROL = 'must not contain control characters (CR, LF, ...)';

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

type Hooks = Record<string, (value: unknown) => void>;

class Checker {
  readonly problems: Problem[] = [];
  /** The whole document, for cross-section rules (security against backend). */
  private doc: Obj = {};

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

  /** A section of the definition: an object of its fields (`object`), each checked (`fields`). */
  section(value: unknown, path: string, section: Fields, hooks?: Hooks): Obj | undefined {
    const obj = this.object(value, path, Object.keys(section));
    if (obj) this.fields(obj, path, section, hooks);
    return obj;
  }

  /**
   * Checks the fields of a section of the definition, in its order: a missing required field, then each
   * field by its kind, or by its hook (which is called whether or not the field is there, and checks it
   * in full). Returns whether every `int`, `bool` and `oneOf` field passed (cross-field rules compare them).
   */
  fields(obj: Obj, path: string, section: Fields, hooks: Hooks = {}): boolean {
    let ok = true;
    for (const [key, field] of Object.entries(section)) {
      const value = obj[key];
      const fieldPath = join(path, key);
      if (hooks[key]) hooks[key](value);
      else if (value === undefined) {
        if (field.required) this.add(fieldPath, 'is required');
      } else ok = this.field(value, fieldPath, field) && ok;
    }
    return ok;
  }

  /** One value by its field's kind. False when an `int`, `bool` or `oneOf` failed. */
  field(value: unknown, path: string, field: Field): boolean {
    switch (field.kind) {
      case 'int':
        return this.integer(value, path, field.min, field.max);
      case 'bool':
        return this.boolean(value, path);
      case 'oneOf':
        return this.oneOf(value, path, field.values);
      case 'str':
        this.string(value, path, field);
        break;
      case 'secret':
        this.secretRef(value, path);
        break;
      case 'obj':
        this.section(value, path, field.fields);
        break;
      case 'list':
        if (this.array(value, path, field.min)) {
          const seen = new Set<unknown>();
          value.forEach((item, i) => {
            if (seen.has(item)) this.add(join(path, i), `${show(item)} is listed twice`);
            seen.add(item);
            this.field(item, join(path, i), field.items);
          });
        }
    }
    return true;
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

  /** A secret reference (SECRET_REF): never the secret itself, and exactly one source. */
  secretRef(value: unknown, path: string): void {
    if (typeof value === 'string') {
      this.add(
        path,
        'must be a secret reference ({"secretArn": ...}, {"file": ...} or {"env": ...}), never the secret itself',
      );
      return;
    }
    const ref = this.object(value, path, Object.keys(SECRET_REF));
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
    this.fields(ref, path, SECRET_REF);
  }

  /**
   * An inline value (a user name) or a reference. The inline value is never shown: a password pasted
   * into `username` must not end up in a message (and so in CI logs).
   */
  stringOrSecret(value: unknown, path: string, inline?: { pattern: RegExp; rule: string }): void {
    if (typeof value === 'string') {
      const text = { maxLength: 256, pattern: PRINTABLE, rule: NO_CONTROL, secret: true };
      if (this.string(value, path, text) && inline && !inline.pattern.test(value)) {
        this.add(path, `${inline.rule} (the value is not shown)`);
      }
      return;
    }
    this.secretRef(value, path);
  }

  headerName(value: unknown, path: string): value is string {
    if (!this.string(value, path, SCHEMES.token.header)) return false;
    const problem = schemeHeaderProblem(value);
    if (problem) {
      this.add(path, `${show(value)} can not carry a credential: it ${problem}`);
      return false;
    }
    return true;
  }

  root(doc: Obj): void {
    this.doc = doc;
    let backendUrl: URL | undefined;
    this.fields(doc, '', ROOT, {
      version: (version) =>
        version !== CONFIG_VERSION && this.add('version', `must be ${CONFIG_VERSION}, got ${show(version)}`),
      backend: (backend) => {
        if (this.required(doc, 'backend', '')) backendUrl = this.backend(backend);
      },
      security: (security) => {
        if (this.required(doc, 'security', '')) this.security(security, backendUrl);
        checkDnsSections(this, doc);
      },
      trustedSources: (sources) => sources !== undefined && this.trustedSources(sources),
      forwarding: (forwarding) =>
        forwarding !== undefined &&
        this.section(forwarding, 'forwarding', FORWARDING, {
          allowedMethods: (methods) =>
            methods !== undefined && this.methods(methods, 'forwarding.allowedMethods'),
        }),
      server: (server) => server !== undefined && this.server(server),
    });
  }

  methods(value: unknown, path: string): void {
    if (!this.array(value, path, 1)) return;
    const seen = new Set<unknown>();
    value.forEach((method, i) => {
      const itemPath = join(path, i);
      if (seen.has(method)) this.add(itemPath, `${show(method)} is listed twice`);
      seen.add(method);
      if (!this.string(method, itemPath, FORWARDING.allowedMethods.items as StrField)) return;
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
    let url: URL | undefined;
    const backend = this.section(value, 'backend', BACKEND, {
      url: (text) => {
        if (this.required(value as Obj, 'url', 'backend'))
          url = this.url(text, 'backend.url', { allowQuery: false });
      },
      // Checked with the token endpoint's (validate-dns.ts), once the scheme is known.
      dns: () => undefined,
      allowedAddresses: () => undefined,
    });
    if (!backend) return undefined;
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
    const connectTo = backend.connectTo;
    if (
      typeof connectTo === 'string' &&
      !this.options.isUnresolved?.(connectTo) &&
      BACKEND.connectTo.pattern!.test(connectTo)
    ) {
      const { host, port } = parseHostPort(connectTo);
      if (port !== undefined && (port < 1 || port > 65535)) {
        this.add('backend.connectTo', `${connectTo} has port ${port}; give a port from 1 to 65535`);
      }
      if (host.includes(':') && isIP(host) !== 6) {
        this.add('backend.connectTo', `${connectTo} is not an IPv6 address in brackets`);
      }
      // An address is never looked up: it is checked against allowedAddresses here, once.
      const ok =
        allowed === undefined || (Array.isArray(allowed) && allowed.every((c) => !sharedCidrProblem(c)));
      if (ok && allowed && isIP(host) && !createSourceMatcher(allowed as string[])(host)) {
        this.add('backend.connectTo', `${host} is outside backend.allowedAddresses`);
      }
    }
    if (backend.tls !== undefined && url?.protocol === 'http:') {
      this.add('backend.tls', 'is set, but backend.url is http://: use an https:// URL');
    }
    return url;
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
    const ok = this.fields(s, path, SCHEMES[type], {
      username: (username) => {
        if (this.required(s, 'username', path)) {
          this.stringOrSecret(
            username,
            'security.username',
            type === 'basic' ? { pattern: /^[^:]*$/, rule: 'must not contain ":" (RFC 7617)' } : undefined,
          );
        }
      },
      header: (header) => header !== undefined && this.headerName(header, 'security.header'),
      prefix: (prefix) => {
        if (prefix === undefined) return;
        if (typeof prefix !== 'string')
          this.add('security.prefix', `must be a string, got ${typeName(prefix)}`);
        else if (!PRINTABLE.test(prefix)) this.add('security.prefix', NO_CONTROL);
      },
      headers: (headers) => headers !== undefined && this.signedHeaders(headers),
      tokenUrl: (tokenUrl) => {
        if (this.required(s, 'tokenUrl', path)) this.tokenUrl(tokenUrl, s, backendUrl);
      },
      extraParams: (params) => params !== undefined && this.extraParams(params),
      components: (components) => components !== undefined && this.signatureComponents(components),
      // Checked with backend.dns (validate-dns.ts).
      tokenEndpointDns: () => undefined,
    });
    if (type === 'signature' && s.algorithm === 'hmac-sha1' && s.legacySha1 !== true) {
      this.add(
        'security.algorithm',
        '"hmac-sha1" is a legacy algorithm: set "legacySha1": true to use it anyway',
      );
    }
    if (type === 'message-signature') this.messageSignature(s);
    if (type === 'oauth2-client-credentials' && ok) {
      const { expiryMarginSeconds: margin, defaultLifetimeSeconds: lifetime } = withDefaults(
        s,
        SCHEMES[type],
      );
      if (margin >= lifetime) {
        this.add(
          'security.expiryMarginSeconds',
          `must be less than defaultLifetimeSeconds (${margin} >= ${lifetime}), or tokens without expires_in are never reused`,
        );
      }
      this.clientAuth(s);
    }
    if (type === 'sigv4') {
      for (const problem of sigV4CrossFieldProblems(s)) this.add(problem.path, problem.message);
    }
  }

  /** OAuth 2.0 client authentication: which fields each `authMethod` needs and which it refuses. */
  clientAuth(s: Obj): void {
    const method = (s.authMethod ?? SCHEMES['oauth2-client-credentials'].authMethod.default) as string;
    const using = `with authMethod "${method}"`;
    if (SECRET_METHODS.includes(method)) {
      if (s.clientSecret === undefined) this.add('security.clientSecret', `is required ${using}`);
    } else if (s.clientSecret !== undefined) {
      this.add('security.clientSecret', `is not sent ${using} (no shared secret): remove it`);
    }
    if (method === 'private_key_jwt') {
      if (s.privateKeyJwt === undefined) this.add('security.privateKeyJwt', `is required ${using}`);
    } else if (s.privateKeyJwt !== undefined) {
      this.add(
        'security.privateKeyJwt',
        `is not used ${using}: remove it, or set authMethod "private_key_jwt"`,
      );
    }
    const backend = this.doc.backend as Obj | undefined;
    const backendTls = typeof backend === 'object' && backend !== null ? (backend.tls as Obj) : undefined;
    const backendCertificate =
      typeof backendTls === 'object' && backendTls !== null && backendTls.clientCertificate !== undefined;
    if (TLS_METHODS.includes(method) && s.clientCertificate === undefined && !backendCertificate) {
      this.add(
        'security.clientCertificate',
        `is required ${using} (the certificate authenticates the client), unless backend.tls.clientCertificate is set (then that one is used)`,
      );
    }
  }

  signedHeaders(headers: unknown): void {
    if (!this.array(headers, 'security.headers', 1)) return;
    const seen = new Set<unknown>();
    headers.forEach((header, i) => {
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
    if (!headers.includes('(request-target)')) {
      this.add(
        'security.headers',
        'must include "(request-target)": without it a signature could be replayed against another method or path',
      );
    }
  }

  /** `security.components` of message-signature: RFC 9421 component identifiers this signer can sign. */
  signatureComponents(components: unknown): void {
    if (!this.array(components, 'security.components', 1)) return;
    // The items that are strings (and resolved), with their indices: the others' problems are reported.
    const checked: { text: string; at: number }[] = [];
    components.forEach((component, i) => {
      if (this.string(component, `security.components[${i}]`, { maxLength: 256 })) {
        checked.push({ text: component, at: i });
      }
    });
    for (const { index, message } of componentListProblems(checked.map((c) => c.text))) {
      this.add(`security.components[${checked[index].at}]`, message);
    }
  }

  /** The cross-field rules of message-signature: fields that would be set for nothing. */
  messageSignature(s: Obj): void {
    if (s.secretEncoding !== undefined && s.algorithm !== 'hmac-sha256') {
      this.add(
        'security.secretEncoding',
        `applies to hmac-sha256 only (the ${show(s.algorithm)} key is a PEM private key): remove it`,
      );
    }
    const components = s.components;
    if (
      s.contentDigest !== undefined &&
      Array.isArray(components) &&
      !components.some((c) => typeof c === 'string' && c.split(';')[0].trim() === 'content-digest')
    ) {
      this.add(
        'security.contentDigest',
        'is set, but security.components does not cover "content-digest": no Content-Digest is sent; add "content-digest" to the components or remove contentDigest',
      );
    }
  }

  tokenUrl(value: unknown, s: Obj, backendUrl: URL | undefined): void {
    const url = this.url(value, 'security.tokenUrl', { allowQuery: true });
    if (url && backendUrl && url.origin === backendUrl.origin && url.pathname === backendUrl.pathname) {
      this.add('security.tokenUrl', 'must not be the backend URL itself');
    }
    if (url?.protocol === 'http:') {
      if (s.allowInsecureLoopbackTokenUrl !== true) {
        this.add(
          'security.tokenUrl',
          `${show(url.origin)} must use https:// (credentials and tokens travel over it); for a test token server on loopback set "allowInsecureLoopbackTokenUrl": true`,
        );
      } else if (!isLoopbackHost(url.hostname)) {
        this.add(
          'security.tokenUrl',
          `${show(url.origin)} must use https://: allowInsecureLoopbackTokenUrl admits http:// only on a loopback host (127.0.0.0/8, ::1, localhost)`,
        );
      }
    }
  }

  extraParams(params: unknown): void {
    if (typeof params !== 'object' || params === null || Array.isArray(params)) {
      this.add('security.extraParams', `must be a JSON object of strings, got ${typeName(params)}`);
      return;
    }
    for (const [key, paramValue] of Object.entries(params as Obj)) {
      const paramPath = `security.extraParams.${key}`;
      if (OAUTH_RESERVED_PARAMS[key])
        this.add(paramPath, `can not be set here: ${OAUTH_RESERVED_PARAMS[key]}`);
      else if (typeof paramValue !== 'string')
        this.add(paramPath, `must be a string, got ${typeName(paramValue)}`);
    }
  }

  trustedSources(value: unknown): void {
    this.section(value, 'trustedSources', TRUSTED_SOURCES, {
      cidrs: (cidrs) => {
        if (!this.required(value as Obj, 'cidrs', 'trustedSources')) return;
        if (!this.array(cidrs, 'trustedSources.cidrs', 1)) return;
        cidrs.forEach((cidr, i) => {
          const itemPath = `trustedSources.cidrs[${i}]`;
          if (!this.string(cidr, itemPath, { maxLength: 64 })) return;
          const problem = cidrProblem(cidr);
          if (problem) this.add(itemPath, `${show(cidr)} ${problem}`);
        });
      },
    });
  }

  server(value: unknown): void {
    const path = 'server';
    let ok = true;
    const srv = this.object(value, path, Object.keys(SERVER));
    if (!srv) return;
    ok = this.fields(srv, path, SERVER, {
      host: (host) => {
        if (host !== undefined && this.string(host, 'server.host', { maxLength: 253 })) {
          if (isIP(host) === 0 && !HOSTNAME.test(host)) {
            this.add('server.host', `${show(host)} is not an IP address or host name`);
          }
        }
      },
      admin: (admin) => admin !== undefined && this.serverAdmin(admin, srv.port),
    });
    if (ok) {
      const { requestTimeoutMs: request, headersTimeoutMs: headers } = withDefaults(srv, SERVER);
      if (headers > request) {
        this.add(
          'server.headersTimeoutMs',
          `must not be more than server.requestTimeoutMs (${headers} > ${request}): the headers are part of the request`,
        );
      }
    }
    const tls = srv.tls as Obj | undefined;
    const hasClientCa = typeof tls === 'object' && tls !== null && tls.clientCa !== undefined;
    if (typeof tls === 'object' && tls !== null && !hasClientCa) {
      for (const field of ['allowedClientNames', 'allowedClientSpkiSha256']) {
        if (tls[field] !== undefined) {
          this.add(
            `server.tls.${field}`,
            'needs server.tls.clientCa: without it no client certificate is asked for',
          );
        }
      }
    }
    if (srv.unauthenticatedReason !== undefined && hasClientCa) {
      this.add(
        'server.unauthenticatedReason',
        'is set, but server.tls.clientCa authenticates every client: remove server.unauthenticatedReason',
      );
    }
  }

  /** `server.admin`: the liveness and readiness listener, loopback unless explicitly allowed. */
  serverAdmin(value: unknown, serverPort: unknown): void {
    const path = 'server.admin';
    let addressOk = true;
    const admin = this.section(value, path, SERVER_ADMIN, {
      address: (address) => {
        if (address !== undefined)
          addressOk = this.string(address, 'server.admin.address', { maxLength: 45 });
      },
    });
    if (!admin) return;
    const { address, port, allowNonLoopback } = withDefaults(admin, SERVER_ADMIN);
    if (addressOk) {
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
}
