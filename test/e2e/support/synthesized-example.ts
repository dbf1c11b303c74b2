/**
 * The example app as Terraform would deploy it: synthesized with the real runtime bundle, each customer's
 * gateway function read back from `cdk.tf.json` (its `GATEWAY_CONFIG` and environment) and its `index.js`
 * taken out of the asset's `archive.zip`. Then the one step a deployment does differently on one machine:
 * secret references become local files, the backend and token-endpoint origins get the loopback servers'
 * schemes and ports (their names stay), the customer's DNS servers become loopback ones (dnsmasq), and a
 * private endpoint's name (`backend.connectTo`, a Terraform reference to the endpoint's DNS name) a loopback
 * address.
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { buildExampleApp } from '../../../examples/main';
import { unzipEntries } from '../../support/zip';

export const STACK = 'backend-link-example';
export const CUSTOMERS = ['acme', 'globex', 'initech', 'umbrella', 'wonka'] as const;
export type Customer = (typeof CUSTOMERS)[number];

/** One customer's gateway function, as synthesized. */
export interface SynthesizedFunction {
  readonly customer: string;
  /** The `aws_lambda_function` resource's id in cdk.tf.json. */
  readonly resourceId: string;
  readonly handler: string;
  /** The asset path in cdk.tf.json (`filename`), relative to the stack directory. */
  readonly assetFile: string;
  /** `index.js`, taken out of the asset's archive into a directory of its own. */
  readonly bundleFile: string;
  /** The function's environment variables, `GATEWAY_CONFIG` among them, exactly as synthesized. */
  readonly environment: Readonly<Record<string, string>>;
  /** `GATEWAY_CONFIG`, parsed: secret references are Terraform interpolations of secret ARNs. */
  readonly config: Record<string, unknown>;
}

export interface SynthesizedExample {
  readonly stackDir: string;
  readonly functions: Readonly<Record<Customer, SynthesizedFunction>>;
  /** `aws_secretsmanager_secret` resources by id: their names (`backend-link/<platform>/<customer>/<secret>`, without the suffix Terraform adds to the prefix). */
  readonly secretNames: ReadonlyMap<string, string>;
}

interface TerraformJson {
  readonly resource: {
    readonly aws_lambda_function: Record<
      string,
      {
        readonly filename: string;
        readonly handler: string;
        readonly tags?: Record<string, string>;
        readonly environment: { readonly variables: Record<string, string> };
      }
    >;
    readonly aws_secretsmanager_secret: Record<
      string,
      { readonly name?: string; readonly name_prefix?: string }
    >;
  };
}

/** Synthesizes the example into `outdir` (no prebuilt runtime: esbuild bundles the runtime) and reads it back. */
export function synthesizeExample(outdir: string): SynthesizedExample {
  buildExampleApp(outdir).synth();
  const stackDir = join(outdir, 'stacks', STACK);
  const tf = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as TerraformJson;
  const functions: Partial<Record<Customer, SynthesizedFunction>> = {};
  for (const [resourceId, fn] of Object.entries(tf.resource.aws_lambda_function)) {
    const tag = fn.tags?.['backend-link:customer'];
    const customer = CUSTOMERS.find((c) => c === tag);
    if (customer === undefined) throw new Error(`${resourceId}: unexpected customer tag ${tag}`);
    const entries = unzipEntries(readFileSync(join(stackDir, fn.filename)));
    const code = entries.get('index.js');
    if (!code)
      throw new Error(`${fn.filename} holds no index.js (entries: ${[...entries.keys()].join(', ')})`);
    const bundleDir = join(outdir, 'functions', customer);
    mkdirSync(bundleDir, { recursive: true });
    const bundleFile = join(bundleDir, 'index.js');
    writeFileSync(bundleFile, code);
    functions[customer] = {
      customer,
      resourceId,
      handler: fn.handler,
      assetFile: fn.filename,
      bundleFile,
      environment: fn.environment.variables,
      config: JSON.parse(fn.environment.variables.GATEWAY_CONFIG) as Record<string, unknown>,
    };
  }
  for (const customer of CUSTOMERS) {
    if (!functions[customer]) throw new Error(`no gateway function for ${customer} in cdk.tf.json`);
  }
  const secretNames = new Map(
    // Secrets are named by prefix (`backend-link/<platform>/<customer>/<secret>-`, Terraform adds a suffix).
    Object.entries(tf.resource.aws_secretsmanager_secret).map(([id, secret]) => [
      id,
      (secret.name ?? secret.name_prefix?.replace(/-$/, '')) as string,
    ]),
  );
  return { stackDir, functions: functions as Record<Customer, SynthesizedFunction>, secretNames };
}

/** Secret contents by the secret's name within the customer (`credentials`, `signing-key`, ...). */
export type SecretContents = Readonly<Record<string, Readonly<Record<string, string>>>>;

export interface LocalTargets {
  /** Where the secret files are written (one JSON file per secret). */
  readonly dir: string;
  readonly secrets: SecretContents;
  /** The backend's loopback origin, e.g. `http://127.0.0.1:8080`: replaces the synthesized URL's origin. */
  readonly backendOrigin: string;
  /** The token endpoint's loopback origin (OAuth 2.0 only). */
  readonly tokenEndpointOrigin?: string;
  /**
   * The customer's DNS servers on loopback (dnsmasq's `127.0.0.1:<port>`): they replace
   * `backend.dns.servers`, so the backend's and the token endpoint's names resolve through them.
   */
  readonly dnsServers?: readonly string[];
  /**
   * The loopback address(es) that replace every `backend.dns.pinned` name's addresses (a public DMZ
   * endpoint's name is pinned to its public addresses): the name stays, so TLS still verifies it.
   */
  readonly pinnedAddresses?: readonly string[];
  /**
   * The loopback `address:port` that replaces `backend.connectTo` (on a private-endpoint path, the endpoint's
   * DNS name, known after apply): the URL's name stays, as the Host header and the TLS server name.
   */
  readonly connectTo?: string;
}

const SECRET_ARN = /^\$\{aws_secretsmanager_secret\.([^.}]+)\.arn\}$/;

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** `url` with its origin replaced by `origin`; path and query kept. */
export function withOrigin(url: string, origin: string): string {
  const parsed = new URL(url);
  return `${origin}${parsed.pathname}${parsed.search}`;
}

/**
 * The synthesized configuration, made local: every `{ secretArn: "${aws_secretsmanager_secret.<id>.arn}",
 * jsonKey }` becomes `{ file, jsonKey }` (a JSON file holding that secret's contents), and the backend
 * URL's and the token URL's origins become the given ones (the e2e test keeps the names and changes
 * scheme and port), `backend.dns.servers` the given loopback servers and `backend.dns.pinned`'s addresses
 * the given loopback addresses, and `backend.connectTo` the given loopback address. Nothing else changes. Fails
 * when a referenced secret has no contents or lacks the referenced key.
 */
export function localizeConfig(
  example: SynthesizedExample,
  fn: SynthesizedFunction,
  targets: LocalTargets,
): Record<string, unknown> {
  mkdirSync(targets.dir, { recursive: true });
  const written = new Map<string, string>();
  const secretFile = (resourceId: string, jsonKey: unknown): string => {
    const name = example.secretNames.get(resourceId);
    // backend-link/<platform>/<customer>/<secret>
    const [, owner, secret] = /^backend-link\/[^/]+\/([^/]+)\/([^/]+)$/.exec(name ?? '') ?? [];
    if (owner !== fn.customer || secret === undefined) {
      throw new Error(`${fn.customer}: secret ${resourceId} (${name}) is not one of this customer's secrets`);
    }
    const contents = targets.secrets[secret];
    if (!contents) throw new Error(`${fn.customer}: no contents given for the secret "${secret}"`);
    if (typeof jsonKey !== 'string' || !(jsonKey in contents)) {
      throw new Error(`${fn.customer}: the secret "${secret}" has no JSON key ${String(jsonKey)}`);
    }
    let file = written.get(secret);
    if (file === undefined) {
      file = join(targets.dir, `${secret}.json`);
      writeFileSync(file, JSON.stringify(contents), { mode: 0o600 });
      written.set(secret, file);
    }
    return file;
  };
  const walk = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(walk);
    if (!isRecord(value)) return value;
    if (typeof value.secretArn === 'string') {
      const match = SECRET_ARN.exec(value.secretArn);
      if (!match)
        throw new Error(`${fn.customer}: secret reference ${value.secretArn} is not a secret's ARN`);
      const { secretArn: _arn, ...rest } = value;
      return { ...rest, file: secretFile(match[1], value.jsonKey) };
    }
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, walk(inner)]));
  };
  const local = walk(fn.config) as Record<string, unknown> & {
    backend: {
      url: string;
      connectTo?: string;
      dns?: { servers?: string[]; pinned?: Record<string, string[]> };
    };
    security: { tokenUrl?: string };
  };
  local.backend.url = withOrigin(local.backend.url, targets.backendOrigin);
  if ((local.security.tokenUrl === undefined) !== (targets.tokenEndpointOrigin === undefined)) {
    throw new Error(
      `${fn.customer}: a token endpoint origin is given exactly when the scheme has a tokenUrl`,
    );
  }
  if (local.security.tokenUrl !== undefined && targets.tokenEndpointOrigin !== undefined) {
    local.security.tokenUrl = withOrigin(local.security.tokenUrl, targets.tokenEndpointOrigin);
  }
  const dns = local.backend.dns;
  if ((dns?.servers === undefined) !== (targets.dnsServers === undefined)) {
    throw new Error(
      `${fn.customer}: loopback DNS servers are given exactly when the configuration has backend.dns.servers`,
    );
  }
  if (dns?.servers !== undefined && targets.dnsServers !== undefined) {
    local.backend.dns = { ...dns, servers: [...targets.dnsServers] };
  }
  if ((dns?.pinned === undefined) !== (targets.pinnedAddresses === undefined)) {
    throw new Error(
      `${fn.customer}: loopback pinned addresses are given exactly when the configuration has backend.dns.pinned`,
    );
  }
  if (dns?.pinned !== undefined && targets.pinnedAddresses !== undefined) {
    const addresses = [...targets.pinnedAddresses];
    local.backend.dns = {
      ...local.backend.dns,
      pinned: Object.fromEntries(Object.keys(dns.pinned).map((name) => [name, addresses])),
    };
  }
  if ((local.backend.connectTo === undefined) !== (targets.connectTo === undefined)) {
    throw new Error(
      `${fn.customer}: a loopback connectTo is given exactly when the configuration has backend.connectTo`,
    );
  }
  if (targets.connectTo !== undefined) local.backend.connectTo = targets.connectTo;
  return local;
}

/**
 * A view of a configuration that hides what `localizeConfig` may change (which secret source a
 * reference names, the URLs' origins, the DNS servers' addresses): a synthesized and a localized
 * configuration must look the same.
 */
export function withoutLocations(config: unknown): unknown {
  return JSON.parse(
    JSON.stringify(config, (key, value: unknown) => {
      if (isRecord(value) && ('secretArn' in value || 'file' in value)) {
        return { secret: true, jsonKey: value.jsonKey };
      }
      if ((key === 'url' || key === 'tokenUrl') && typeof value === 'string') {
        return withOrigin(value, '<origin>');
      }
      if (key === 'servers' && Array.isArray(value)) return '<servers>';
      if (key === 'connectTo' && typeof value === 'string') return '<endpoint>';
      if (key === 'pinned' && isRecord(value)) {
        return Object.fromEntries(Object.keys(value).map((name) => [name, '<addresses>']));
      }
      return value;
    }),
  );
}
