/**
 * The local IPsec twin of one showcase customer's VPN link, on one machine:
 *
 *   ns "aws"  ── veth (the internet) ── ns "onprem"
 *   charon as AWS's side of both tunnels        charon configured only from the generated swanctl.conf
 *   (from the plan's tunnel options)            the generated nftables rules
 *   gateway runtime (standalone server) at      dnsmasq answering the backend's private name
 *   an address in the customer's subnet         Apache (TLS + digest) as the backend
 *
 * The inputs are the real ones: the showcase app is synthesized and planned offline, the values only a deploy
 * knows (AWS's tunnel endpoints, inside addresses) are added as `terraform output -json` would show them, and
 * the handoff writes the device configuration from that, exactly as `backend-link handoff --from-outputs` does.
 */
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildExampleApp } from '../../examples/main';
import { validateConfig } from '../../gateway-runtime/src/config/validate';
import {
  DeviceConfigFacts,
  TUNNEL_NAMES,
  TunnelName,
  deviceFactsFromOutputs,
  dnsServerEndpoint,
  fillPresharedKeys,
  nftablesTableName,
} from '../../lib/handoff/device-config';
import { formatAddress, lastAddress, parseCidr } from '../../lib/shared/cidr';
import { writeHandoffs } from '../../lib/cli/handoff';
import { outputsFromTerraform } from '../../lib/handoff/outputs';
import { listStacks, planOffline } from '../../lib/terraform/harness';
import { WEAK_OFFERS, renderAwsSideSwanctl, renderWeakProbeSwanctl } from './aws-side';
import { Backend, Dns, makeBackendPki, startBackend, startDns } from './onprem';
import { Charon, IkeSa } from './strongswan';
import {
  Namespace,
  TWIN_TOOLS,
  TwinError,
  TwinProcess,
  checkTwinPrerequisites,
  run,
  waitFor,
} from './system';

const REPO = resolve(__dirname, '..', '..');

/** What AWS would assign at deploy: the tunnels' outside addresses and (when the plan leaves them to AWS) inside ones. */
export const TWIN_DEPLOYMENT = {
  outsideAddresses: ['3.248.1.10', '52.16.2.20'],
  insideAddresses: {
    tunnel1: { aws: '169.254.10.1', customer: '169.254.10.2' },
    tunnel2: { aws: '169.254.11.1', customer: '169.254.11.2' },
  },
  presharedKeySecretArn: 'arn:aws:secretsmanager:eu-west-1:123456789012:secret:twin-psk',
} as const;

/** The port of a plain-HTTP listener on the backend host that the customer firewall must not admit. */
export const OTHER_BACKEND_PORT = 8080;

export interface TwinInputs {
  readonly customer: string;
  readonly workDir: string;
  readonly facts: DeviceConfigFacts;
  /** The handoff's files for the customer: the document, swanctl.conf, nftables rules. */
  readonly handoffFiles: readonly string[];
  readonly swanctlConf: string;
  readonly nftables: string;
  /** The customer's runtime configuration as synthesized (secret references still ARNs). */
  readonly runtimeConfig: Record<string, unknown>;
  /** Whether the runtime configuration names the customer's DNS servers itself (`backend.dns`). */
  readonly runtimeHasDns: boolean;
}

function offset(cidr: string, n: number): string {
  const parsed = parseCidr(cidr);
  if (!parsed || parsed.family !== 4) throw new TwinError(`${cidr} is not an IPv4 block`);
  return formatAddress(4, parsed.network + BigInt(n));
}

/**
 * Synthesizes the showcase, plans it offline, writes `terraform-output.json` as a deploy of it would show
 * (the plan's values, plus TWIN_DEPLOYMENT), and runs the handoff on that file.
 */
export async function prepareTwinInputs(workDir: string, customer = 'acme'): Promise<TwinInputs> {
  const outdir = join(workDir, 'cdktf.out');
  buildExampleApp(outdir).synth();
  const stackDir = listStacks(outdir)[0];
  const { plan } = await planOffline(stackDir);
  const changes =
    (plan as { output_changes?: Record<string, { after?: unknown; after_sensitive?: unknown }> })
      .output_changes ?? {};
  if (!changes[`${customer}_vpn_ike_parameters`]) {
    throw new TwinError(`customer ${customer} of the showcase has no site-to-site VPN`);
  }
  const after = (name: string) => changes[name]?.after;
  const routing = after(`${customer}_vpn_routing`) as { type: string; on_prem_cidrs: string[] };
  if (routing.type !== 'static') {
    throw new TwinError(
      `customer ${customer} uses ${routing.type} routing: the twin covers static routing (BGP needs route-based tunnels on XFRM interfaces, which user-space ESP does not have)`,
    );
  }
  const handoff = { ...(after(`${customer}_handoff`) as Record<string, unknown>) };
  if (!Array.isArray(handoff.dns_servers)) {
    // Until the construct hands the customer's DNS servers over, the twin adds the one it runs, in the
    // handoff's field (`dns_servers`), as a deployed stack with `backend.dns` will output it.
    handoff.dns_servers = [offset(routing.on_prem_cidrs[0], 53)];
  }
  const inside = (after(`${customer}_vpn_tunnel_inside_addresses`) ?? {}) as Record<
    string,
    Record<string, string>
  >;
  const fills: Record<string, unknown> = {
    [`${customer}_handoff`]: handoff,
    [`${customer}_vpn_tunnel_outside_addresses`]: [...TWIN_DEPLOYMENT.outsideAddresses],
    [`${customer}_vpn_tunnel_inside_addresses`]: Object.fromEntries(
      TUNNEL_NAMES.map((t) => [t, inside[t]?.aws ? inside[t] : TWIN_DEPLOYMENT.insideAddresses[t]]),
    ),
    [`${customer}_vpn_preshared_key_secret_arn`]: TWIN_DEPLOYMENT.presharedKeySecretArn,
  };
  const terraformOutput = Object.fromEntries(
    Object.keys(changes).map((name) => [
      name,
      {
        sensitive: changes[name].after_sensitive === true,
        value: name in fills ? fills[name] : (after(name) ?? null),
      },
    ]),
  );
  const outputFile = join(workDir, 'terraform-output.json');
  writeFileSync(outputFile, JSON.stringify(terraformOutput, null, 2));
  const outputs = outputsFromTerraform(JSON.parse(readFileSync(outputFile, 'utf8')));
  const handoffDir = join(workDir, 'handoff');
  const handoffFiles = writeHandoffs(stackDir, outputs, handoffDir).filter((f) =>
    f.split('/').pop()!.startsWith(`${customer}.`),
  );
  const facts = deviceFactsFromOutputs(customer, outputs)!;

  const synthesized = JSON.parse(readFileSync(join(stackDir, 'cdk.tf.json'), 'utf8')) as {
    resource: { aws_lambda_function: Record<string, { environment: { variables: Record<string, string> } }> };
  };
  const runtimeConfig = Object.values(synthesized.resource.aws_lambda_function)
    .map((f) => JSON.parse(f.environment.variables.GATEWAY_CONFIG) as Record<string, unknown>)
    .find((c) => c.name === customer);
  if (!runtimeConfig) throw new TwinError(`no gateway function of ${customer} in ${stackDir}`);
  const scheme = (runtimeConfig.security as { type: string }).type;
  if (scheme !== 'digest') {
    throw new TwinError(
      `customer ${customer} uses the ${scheme} scheme: the twin's backend is Apache with digest (use a digest customer, e.g. acme)`,
    );
  }
  return {
    customer,
    workDir,
    facts,
    handoffFiles,
    swanctlConf: readFileSync(join(handoffDir, `${customer}.swanctl.conf`), 'utf8'),
    nftables: readFileSync(join(handoffDir, `${customer}.nft`), 'utf8'),
    runtimeConfig,
    runtimeHasDns: Boolean((runtimeConfig.backend as Record<string, unknown>).dns),
  };
}

/** Replaces every `{ secretArn, jsonKey }` reference with a file reference to `file`. */
function secretsFromFile(value: unknown, file: string): unknown {
  if (Array.isArray(value)) return value.map((v) => secretsFromFile(v, file));
  if (value && typeof value === 'object') {
    const o = value as Record<string, unknown>;
    if (typeof o.secretArn === 'string') return { file, ...(o.jsonKey ? { jsonKey: o.jsonKey } : {}) };
    return Object.fromEntries(Object.entries(o).map(([k, v]) => [k, secretsFromFile(v, file)]));
  }
  return value;
}

export interface WeakOfferResult {
  readonly name: string;
  readonly description: string;
  readonly refused: 'ike' | 'child';
  /** swanctl --initiate's exit status and output. */
  readonly status: number;
  readonly output: string;
  /** The SAs the probe had afterwards. */
  readonly sas: IkeSa[];
}

export interface TwinResponse {
  readonly status: number;
  readonly body: string;
  readonly ms: number;
}

export interface Twin {
  readonly inputs: TwinInputs;
  readonly aws: Namespace;
  readonly onprem: Namespace;
  readonly awsCharon: Charon;
  readonly customerCharon: Charon;
  readonly addresses: {
    readonly runtime: string;
    readonly outsider: string;
    readonly backend: string;
    readonly dns: ReadonlyArray<{ address: string; port: number }>;
  };
  readonly weakOffers: readonly WeakOfferResult[];
  /** Whether the outsider reached the backend before the firewall rules were loaded (the control). */
  readonly outsiderReachedBackendWithoutFirewall: boolean;
  readonly backend: Backend;
  readonly dns: Dns;
  /** A request through the gateway runtime (curl inside "aws"). */
  request(path: string, timeoutSeconds?: number): TwinResponse;
  /** Whether `source` (an address in "aws") completes a TCP connection to the backend host on `port`. */
  connects(source: string, port: number): boolean;
  /** The packet count of the customer firewall's counted drop rule with this comment. */
  firewallDrops(comment: string): number;
  /** Makes AWS's endpoint of `tunnel` stop answering (drops its traffic inside "aws"). */
  takeDown(tunnel: TunnelName): void;
  stop(): Promise<void>;
}

/** Brings the twin up from the inputs; on any failure it tears down what it made before throwing. */
export async function startTwin(inputs: TwinInputs, options: { namePrefix?: string } = {}): Promise<Twin> {
  checkTwinPrerequisites();
  const { facts, customer } = inputs;
  const prefix = options.namePrefix ?? `bl-${process.pid}`;
  const dir = join(inputs.workDir, 'twin');
  mkdirSync(dir, { recursive: true });
  // Apache's workers (www-data) must reach their files; secrets and keys are files of mode 0600.
  chmodSync(inputs.workDir, 0o755);
  chmodSync(dir, 0o755);
  const cleanups: Array<() => Promise<void> | void> = [];
  const stop = async () => {
    for (const cleanup of cleanups.reverse()) {
      try {
        await cleanup();
      } catch {
        // keep cleaning up
      }
    }
    cleanups.length = 0;
  };
  try {
    const aws = Namespace.create(`${prefix}-aws`);
    cleanups.push(() => aws.destroy());
    const onprem = Namespace.create(`${prefix}-onprem`);
    cleanups.push(() => onprem.destroy());
    const ip = TWIN_TOOLS.ip[0];

    // The internet: a veth pair, AWS's two tunnel endpoints on one end, the customer gateway on the other.
    const cgw = facts.customerGatewayIp!;
    const outside = facts.tunnels.map((t) => t.outsideAddress!);
    const vethAws = `bla${process.pid % 100000}`;
    const vethOnprem = `blo${process.pid % 100000}`;
    run(ip, ['link', 'add', vethAws, 'type', 'veth', 'peer', 'name', vethOnprem]);
    run(ip, ['link', 'set', vethAws, 'netns', aws.name]);
    run(ip, ['link', 'set', vethOnprem, 'netns', onprem.name]);
    aws.exec(ip, ['link', 'set', vethAws, 'name', 'inet0']);
    onprem.exec(ip, ['link', 'set', vethOnprem, 'name', 'inet0']);
    for (const a of outside) aws.exec(ip, ['addr', 'add', `${a}/32`, 'dev', 'inet0']);
    onprem.exec(ip, ['addr', 'add', `${cgw}/32`, 'dev', 'inet0']);
    aws.exec(ip, ['link', 'set', 'inet0', 'up']);
    onprem.exec(ip, ['link', 'set', 'inet0', 'up']);
    aws.exec(ip, ['route', 'add', `${cgw}/32`, 'dev', 'inet0']);
    for (const a of outside) onprem.exec(ip, ['route', 'add', `${a}/32`, 'dev', 'inet0']);

    // AWS: the runtime's address in the customer's subnet; an "outsider" just past the customer's block
    // (another customer's subnet), routed to the customer's network over the internet, outside any tunnel.
    const runtimeAddress = offset(facts.gatewaySources[0], 10);
    const block = parseCidr(facts.awsSideCidr)!;
    const outsider = formatAddress(4, lastAddress(block) + 11n);
    aws.exec(ip, ['addr', 'add', `${runtimeAddress}/32`, 'dev', 'lo']);
    aws.exec(ip, ['addr', 'add', `${outsider}/32`, 'dev', 'lo']);
    aws.exec(ip, ['rule', 'add', 'from', outsider, 'lookup', '100', 'pref', '100']);
    for (const range of facts.onPremCidrs)
      aws.exec(ip, ['route', 'add', range, 'dev', 'inet0', 'table', '100']);
    onprem.exec(ip, ['route', 'add', `${outsider}/32`, 'dev', 'inet0']);

    // On premises: the backend and the DNS servers.
    const backendAddress = offset(facts.onPremCidrs[0], 256 + 10);
    const dnsServers = (facts.dnsServers ?? []).map(dnsServerEndpoint);
    if (dnsServers.length === 0) throw new TwinError(`the handoff of ${customer} names no DNS server`);
    for (const a of new Set([backendAddress, ...dnsServers.map((d) => d.address)])) {
      onprem.exec(ip, ['addr', 'add', `${a}/32`, 'dev', 'lo']);
    }
    const pki = makeBackendPki(join(dir, 'pki'), facts.backend.host);
    const backendUrl = new URL(String((inputs.runtimeConfig.backend as Record<string, unknown>).url));
    const username = 'gateway';
    const password = randomBytes(12).toString('base64url');
    const backend = await startBackend(onprem, {
      dir: join(dir, 'apache'),
      address: backendAddress,
      port: facts.backend.port,
      otherPort: OTHER_BACKEND_PORT,
      hostname: facts.backend.host,
      protectedPath: backendUrl.pathname,
      realm: `${customer} backend`,
      username,
      password,
      pki,
    });
    const dns = await startDns(onprem, join(dir, 'dns'), dnsServers, {
      [facts.backend.host]: backendAddress,
    });

    // Exit 7: refused, 28: timed out (a dropped SYN); anything else means the TCP connection was made.
    const connects = (source: string, port: number) => {
      const scheme = port === facts.backend.port ? 'https' : 'http';
      const r = aws.exec(
        TWIN_TOOLS.curl[0],
        [
          '-s',
          '-o',
          '/dev/null',
          '-k',
          '--interface',
          source,
          '--connect-timeout',
          '3',
          '-m',
          '5',
          `${scheme}://${backendAddress}:${port}/`,
        ],
        { allowFailure: true, timeoutMs: 10_000 },
      );
      return r.status !== 7 && r.status !== 28;
    };
    // The control: without the customer firewall, the outsider does reach the backend.
    const outsiderReachedBackendWithoutFirewall = connects(outsider, facts.backend.port);

    // The customer firewall: the generated nftables rules, as they are.
    const nftFile = join(dir, `${customer}.nft`);
    writeFileSync(nftFile, inputs.nftables);
    onprem.exec(TWIN_TOOLS.nft[0], ['-f', nftFile]);

    // AWS's side, from the plan's tunnel options.
    const keys = Object.fromEntries(
      TUNNEL_NAMES.map((t) => [t, `Twin.${t}_${randomBytes(12).toString('hex')}`]),
    ) as Record<TunnelName, string>;
    const awsCharon = await Charon.start('aws charon', aws, join(dir, 'charon-aws'));
    cleanups.push(() => awsCharon.stop());
    const awsConf = join(dir, 'charon-aws', 'swanctl.conf');
    writeFileSync(awsConf, renderAwsSideSwanctl(facts, keys), { mode: 0o600 });
    awsCharon.loadAll(awsConf);

    // A device offering weak proposals (its own charon, stopped before the customer's starts).
    const probe = await Charon.start('weak probe charon', onprem, join(dir, 'charon-probe'));
    cleanups.push(() => probe.stop());
    const probeConf = join(dir, 'charon-probe', 'swanctl.conf');
    writeFileSync(probeConf, renderWeakProbeSwanctl(facts, keys.tunnel1), { mode: 0o600 });
    probe.loadAll(probeConf);
    const weakOffers = WEAK_OFFERS.map((offer) => {
      const result = probe.initiate(offer.name, offer.name, 8);
      return { ...offer, status: result.status, output: result.stdout + result.stderr, sas: probe.listSas() };
    });
    await probe.stop();

    // The customer's device: ONLY the generated swanctl.conf, with the keys in place of the placeholders.
    const customerCharon = await Charon.start('customer charon', onprem, join(dir, 'charon-customer'));
    cleanups.push(() => customerCharon.stop());
    const customerConf = join(dir, 'charon-customer', 'swanctl.conf');
    writeFileSync(customerConf, fillPresharedKeys(inputs.swanctlConf, keys), { mode: 0o600 });
    customerCharon.loadAll(customerConf);
    await waitFor(
      'both tunnels to be established with their CHILD_SAs installed',
      () => {
        const sas = customerCharon.listSas();
        const up = sas.filter(
          (sa) => sa.state === 'ESTABLISHED' && sa.children.some((c) => c.state === 'INSTALLED'),
        );
        return up.length === 2 ? up : undefined;
      },
      {
        timeoutMs: 20_000,
        intervalMs: 250,
        detail: () => `${customerCharon.log()}\n--- aws ---\n${awsCharon.log()}`,
      },
    );

    // The gateway runtime with the customer's configuration (secrets from a file, the backend's CA).
    const runtimeDir = join(dir, 'runtime');
    mkdirSync(runtimeDir, { recursive: true });
    const secretFile = join(runtimeDir, 'credentials.json');
    writeFileSync(secretFile, JSON.stringify({ username, password }), { mode: 0o600 });
    const synthesized = inputs.runtimeConfig as { backend: Record<string, unknown> };
    const config = {
      ...(secretsFromFile(inputs.runtimeConfig, secretFile) as Record<string, unknown>),
      backend: {
        ...(secretsFromFile(synthesized.backend, secretFile) as Record<string, unknown>),
        tls: { ...((synthesized.backend.tls as object) ?? {}), ca: { file: pki.ca } },
      },
      timeouts: { connectMs: 3000, headersMs: 5000, bodyMs: 5000 },
      server: { host: '127.0.0.1', port: 8080 },
    };
    validateConfig(config);
    const configFile = join(runtimeDir, 'config.json');
    writeFileSync(configFile, JSON.stringify(config, null, 2));
    if (!inputs.runtimeHasDns) {
      // The runtime resolves with the OS resolver: in "aws", that is the customer's DNS servers, across the tunnel.
      aws.setResolvConf(dnsServers.map((d) => d.address));
    }
    const runtime: TwinProcess = aws.spawn('gateway runtime', process.execPath, [
      '--import',
      'tsx',
      join(REPO, 'gateway-runtime', 'src', 'cli.ts'),
      'serve',
      '--config',
      configFile,
    ]);
    cleanups.push(() => runtime.stop());
    await waitFor(
      'the gateway runtime to answer /healthz',
      () => {
        if (runtime.exited()) throw new TwinError(`${runtime.exited()}\n${runtime.log()}`);
        const r = aws.exec(TWIN_TOOLS.curl[0], ['-s', '-m', '2', 'http://127.0.0.1:8080/healthz'], {
          allowFailure: true,
        });
        return r.status === 0 && r.stdout.includes('ok') ? true : undefined;
      },
      { timeoutMs: 20_000, intervalMs: 250, detail: () => runtime.log() },
    );

    const table = nftablesTableName(customer);
    return {
      inputs,
      aws,
      onprem,
      awsCharon,
      customerCharon,
      addresses: { runtime: runtimeAddress, outsider, backend: backendAddress, dns: dnsServers },
      weakOffers,
      outsiderReachedBackendWithoutFirewall,
      backend,
      dns,
      request(path, timeoutSeconds = 8) {
        const started = Date.now();
        const r = aws.exec(
          TWIN_TOOLS.curl[0],
          ['-s', '-m', String(timeoutSeconds), '-w', '\n%{http_code}', `http://127.0.0.1:8080${path}`],
          { allowFailure: true, timeoutMs: (timeoutSeconds + 5) * 1000 },
        );
        const lines = r.stdout.split('\n');
        return { status: Number(lines.pop()), body: lines.join('\n'), ms: Date.now() - started };
      },
      connects,
      firewallDrops(comment) {
        const text = onprem.exec(TWIN_TOOLS.nft[0], ['list', 'chain', 'inet', table, 'from_gateway']).stdout;
        const line = text.split('\n').find((l) => l.includes(`comment "${comment}`));
        const match = line && /counter packets (\d+)/.exec(line);
        if (!match) throw new TwinError(`no counted rule "${comment}" in the customer firewall:\n${text}`);
        return Number(match[1]);
      },
      takeDown(tunnel) {
        const address = facts.tunnels.find((t) => t.name === tunnel)!.outsideAddress!;
        aws.exec(TWIN_TOOLS.nft[0], ['-f', '-'], {
          input: `table inet twin_${tunnel}_down {\n  chain in {\n    type filter hook input priority -10; policy accept;\n    ip daddr ${address} drop\n  }\n  chain out {\n    type filter hook output priority -10; policy accept;\n    ip saddr ${address} drop\n  }\n}\n`,
        });
      },
      stop,
    };
  } catch (error) {
    await stop();
    throw error;
  }
}

/** The tunnel whose CHILD_SA on AWS's side carried the most bytes out since `before`. */
export function busiestTunnel(before: IkeSa[], after: IkeSa[]): TunnelName | undefined {
  const bytes = (sas: IkeSa[], tunnel: TunnelName) =>
    sas
      .filter((sa) => sa.name === `aws-${tunnel}`)
      .flatMap((sa) => sa.children)
      .reduce((n, c) => n + c.bytesOut, 0);
  const delta = TUNNEL_NAMES.map((t) => [t, bytes(after, t) - bytes(before, t)] as const);
  const [best] = [...delta].sort((a, b) => b[1] - a[1]);
  return best && best[1] > 0 ? best[0] : undefined;
}

export interface FailoverResult {
  /** The tunnel that carried the traffic and was taken down. */
  readonly downed: TunnelName;
  /** The tunnel that carried it afterwards. */
  readonly carriedBy?: TunnelName;
  /** From taking the tunnel down to the first of three successive 200s. */
  readonly recoveredAfterMs?: number;
  /** Every request's status and the time it was answered (ms after the take-down). */
  readonly attempts: ReadonlyArray<{ status: number; atMs: number }>;
}

/**
 * Takes down the tunnel that carries the traffic and sends requests (each bounded) until three in a row
 * succeed or `timeoutMs` passes.
 */
export async function failover(twin: Twin, path: string, timeoutMs: number): Promise<FailoverResult> {
  const before = twin.awsCharon.listSas();
  const warm = twin.request(path);
  if (warm.status !== 200) throw new TwinError(`the link does not work before the failover: ${warm.status}`);
  const downed = busiestTunnel(before, twin.awsCharon.listSas());
  if (!downed) throw new TwinError('no tunnel carried the request');
  twin.takeDown(downed);
  const start = Date.now();
  const attempts: Array<{ status: number; atMs: number }> = [];
  let streak = 0;
  let recoveredAt: number | undefined;
  let mark = twin.awsCharon.listSas();
  let carriedBy: TunnelName | undefined;
  while (Date.now() - start < timeoutMs) {
    const response = twin.request(path, 4);
    attempts.push({ status: response.status, atMs: Date.now() - start });
    if (response.status === 200) {
      if (streak === 0) {
        recoveredAt = Date.now() - start;
        mark = twin.awsCharon.listSas();
      }
      streak++;
      if (streak === 3) {
        carriedBy = busiestTunnel(mark, twin.awsCharon.listSas());
        break;
      }
    } else {
      streak = 0;
      recoveredAt = undefined;
      await new Promise((r) => setTimeout(r, 500));
    }
  }
  return { downed, carriedBy, recoveredAfterMs: streak === 3 ? recoveredAt : undefined, attempts };
}
