/**
 * The top of the ladder for the VPN: a local IPsec twin of the showcase customer acme, both sides of the
 * link in network namespaces of this test (root; ESP in user space through kernel-libipsec, since this
 * kernel has no ESP). The customer's device runs only what the handoff generated: the swanctl.conf (keys
 * filled in) and the nftables rules. See scripts/vpn-twin/twin.ts for the topology.
 */
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadPeerDetectionSeconds } from '../../lib/handoff/device-config';
import { Charon } from '../../scripts/vpn-twin/strongswan';
import {
  Namespace,
  checkTwinPrerequisites,
  removeTwinNamespaces,
  twinNamespaces,
  waitFor,
} from '../../scripts/vpn-twin/system';
import {
  OTHER_BACKEND_PORT,
  TWIN_DEPLOYMENT,
  Twin,
  failover,
  prepareTwinInputs,
  startTwin,
} from '../../scripts/vpn-twin/twin';

jest.setTimeout(180_000);

describe('VPN twin of the showcase customer acme', () => {
  const workDir = mkdtempSync(join(tmpdir(), 'vpn-twin-test-'));
  const prefix = `bl-twin-${process.pid}`;
  let twin: Twin;

  beforeAll(async () => {
    // Fails loudly (naming the Debian packages) when strongSwan, nftables, dnsmasq, Apache… are missing.
    checkTwinPrerequisites();
    const inputs = await prepareTwinInputs(workDir, 'acme');
    twin = await startTwin(inputs, { namePrefix: prefix });
  });

  afterAll(async () => {
    try {
      await twin?.stop();
    } finally {
      removeTwinNamespaces(prefix); // only if a run was cut short (a timeout in beforeAll)
      rmSync(workDir, { recursive: true, force: true });
    }
    expect(twinNamespaces(prefix)).toEqual([]);
    expect(existsSync(`/etc/netns/${prefix}-aws`)).toBe(false);
  });

  test('the customer device runs the handoff files as generated (placeholders only for the keys)', () => {
    const { swanctlConf, nftables, handoffFiles } = twin.inputs;
    expect(handoffFiles.map((f) => f.split('/').pop())).toEqual(['acme.md', 'acme.swanctl.conf', 'acme.nft']);
    expect(swanctlConf).toContain('secret = "FILL_IN_TUNNEL1_PRESHARED_KEY"');
    expect(swanctlConf).not.toContain('NOT COMPLETE');
    expect(nftables).toContain(`elements = { ${TWIN_DEPLOYMENT.outsideAddresses.join(', ')} }`);
  });

  test("every VPN customer's generated swanctl.conf loads into the real charon (swanctl --load-all)", async () => {
    const files = readdirSync(join(workDir, 'handoff')).filter((f) => f.endsWith('.swanctl.conf'));
    expect(files.sort()).toEqual(['acme.swanctl.conf', 'globex.swanctl.conf', 'initech.swanctl.conf']);
    const ns = Namespace.create(`${prefix}-check`);
    try {
      const charon = await Charon.start('check charon', ns, join(workDir, 'check'));
      for (const file of files) {
        const customer = file.split('.')[0];
        expect(charon.loadAll(join(workDir, 'handoff', file))).toContain(
          `loaded connection '${customer}-tunnel1'\nloaded connection '${customer}-tunnel2'\nsuccessfully loaded 2 connections`,
        );
      }
      // The check can fail: a proposal charon does not know is refused, naming the connection.
      const broken = join(workDir, 'check', 'broken.swanctl.conf');
      writeFileSync(
        broken,
        twin.inputs.swanctlConf.replace(/aes256gcm16-prfsha384/g, 'aes256gcm17-prfsha384'),
      );
      expect(() => charon.loadAll(broken)).toThrow(/loading connection 'acme-tunnel1' failed/);
    } finally {
      await ns.destroy();
    }
  });

  test('GIVEN the generated swanctl.conf WHEN charon loads it THEN both tunnels establish with the hardened proposals', () => {
    const sas = twin.customerCharon.listSas().sort((a, b) => a.name.localeCompare(b.name));
    expect(sas.map((sa) => [sa.name, sa.state, sa.remoteHost, sa.proposal])).toEqual([
      ['acme-tunnel1', 'ESTABLISHED', '3.248.1.10', 'AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_256'],
      ['acme-tunnel2', 'ESTABLISHED', '52.16.2.20', 'AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_256'],
    ]);
    for (const sa of sas) {
      expect(sa.children).toEqual([
        expect.objectContaining({
          state: 'INSTALLED',
          encryption: 'AES_GCM_16-256',
          localTs: ['172.20.0.0/16'],
          remoteTs: ['10.40.128.0/24'],
        }),
      ]);
    }
    expect(
      twin.awsCharon
        .listSas()
        .map((sa) => [sa.name, sa.state])
        .sort(),
    ).toEqual([
      ['aws-tunnel1', 'ESTABLISHED'],
      ['aws-tunnel2', 'ESTABLISHED'],
    ]);
  });

  test.each([
    ['weak-dh2', 'IKE with DH group 2 (MODP-1024)'],
    ['weak-sha1', 'IKE with SHA-1 integrity and PRF'],
    ['weak-esp-sha1', 'ESP with SHA-1 integrity and DH group 2'],
  ])('a tunnel offered a weak proposal is refused: %s (%s)', (name) => {
    const offer = twin.weakOffers.find((o) => o.name === name)!;
    expect(offer.status).not.toBe(0);
    expect(offer.output).toContain('NO_PROPOSAL_CHOSEN');
    expect(offer.sas.flatMap((sa) => sa.children).filter((c) => c.state === 'INSTALLED')).toEqual([]);
    if (offer.refused === 'ike') expect(offer.sas.filter((sa) => sa.state === 'ESTABLISHED')).toEqual([]);
  });

  test("GIVEN the backend's private name WHEN the runtime calls it THEN it is resolved by the customer's DNS through the tunnel and digest gives 200", () => {
    const before = twin.customerCharon.listSas().flatMap((sa) => sa.children);
    const response = twin.request('/hello.txt');
    expect(response.status).toBe(200);
    expect(response.body).toBe('hello from orders.acme.internal\n');
    const { runtime } = twin.addresses;
    // The query came from the runtime's address in the customer's subnet: it crossed the tunnel.
    expect(twin.dns.queries()).toEqual(
      expect.arrayContaining([expect.stringContaining(`query[A] orders.acme.internal from ${runtime}`)]),
    );
    // Digest: the first request is challenged, the answer to it is accepted.
    expect(twin.backend.accessLog()).toEqual(
      expect.arrayContaining([`${runtime} GET /api/hello.txt 401`, `${runtime} GET /api/hello.txt 200`]),
    );
    const after = twin.customerCharon.listSas().flatMap((sa) => sa.children);
    const bytesIn = (children: typeof before) => children.reduce((n, c) => n + c.bytesIn, 0);
    expect(bytesIn(after)).toBeGreaterThan(bytesIn(before));
  });

  test('a source address outside the allow-list is dropped by the customer firewall', () => {
    const { outsider, runtime } = twin.addresses;
    const port = twin.inputs.facts.backend.port;
    // Control: before the firewall rules were loaded, the same source on the same path reached the backend.
    expect(twin.outsiderReachedBackendWithoutFirewall).toBe(true);
    const backendPortDrops = twin.firewallDrops('backend port: the gateway sources only');
    expect(twin.connects(outsider, port)).toBe(false);
    expect(twin.firewallDrops('backend port: the gateway sources only')).toBeGreaterThan(backendPortDrops);
    // A gateway source through the tunnel reaches the backend port, and nothing else on that host.
    expect(twin.connects(runtime, port)).toBe(true);
    const otherPortDrops = twin.firewallDrops('gateway sources: the backend port (and DNS) only');
    expect(twin.connects(runtime, OTHER_BACKEND_PORT)).toBe(false);
    expect(twin.firewallDrops('gateway sources: the backend port (and DNS) only')).toBeGreaterThan(
      otherPortDrops,
    );
  });

  test('GIVEN one tunnel down THEN requests keep succeeding over the other within the DPD time', async () => {
    const dpdTimeout = twin.inputs.facts.tunnels[0].ike.dpd_timeout_seconds;
    expect(deadPeerDetectionSeconds()).toBeLessThan(dpdTimeout);
    const result = await failover(twin, '/hello.txt', (dpdTimeout + 15) * 1000);
    expect(result.recoveredAfterMs).toBeDefined();
    // Within the DPD timeout, plus at most one request's own timeout (4 s) and pause (0.5 s).
    expect(result.recoveredAfterMs!).toBeLessThan((dpdTimeout + 4.5) * 1000);
    expect(result.carriedBy).toBe(result.downed === 'tunnel1' ? 'tunnel2' : 'tunnel1');
    // Each side finds the dead tunnel on its own (DPD timers are not aligned): both have dropped it soon after.
    const alive = () => [
      ...twin.customerCharon
        .listSas()
        .filter((sa) => sa.name === `acme-${result.downed}` && sa.state === 'ESTABLISHED'),
      ...twin.awsCharon
        .listSas()
        .filter((sa) => sa.name === `aws-${result.downed}` && sa.state === 'ESTABLISHED'),
    ];
    await waitFor('both sides to drop the dead tunnel', () => (alive().length === 0 ? true : undefined), {
      timeoutMs: 15_000,
      intervalMs: 500,
      detail: () => JSON.stringify(alive()),
    });
  });
});
