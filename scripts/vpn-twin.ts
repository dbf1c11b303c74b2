/**
 * sudo npx tsx scripts/vpn-twin.ts [--customer acme] [--keep]
 *
 * Brings up the local IPsec twin of a showcase customer's VPN link (network namespaces "aws" and "onprem",
 * strongSwan on both sides, the customer's firewall, DNS and backend, the gateway runtime), runs its checks
 * and removes everything again. With --keep it stays up until Ctrl-C and prints how to look around.
 * Needs root and the Debian packages in .ci/apt-packages. ESP runs in user space (kernel-libipsec).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { deadPeerDetectionSeconds } from '../lib/handoff/device-config';
import { checkTwinPrerequisites, removeTwinNamespaces } from './vpn-twin/system';
import { Twin, failover, prepareTwinInputs, startTwin } from './vpn-twin/twin';

async function main(argv: string[]): Promise<number> {
  let customer = 'acme';
  let keep = false;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--customer') customer = argv[++i] ?? '';
    else if (argv[i] === '--keep') keep = true;
    else throw new Error(`unknown option ${argv[i]} (use --customer <name>, --keep)`);
  }
  checkTwinPrerequisites();
  const workDir = mkdtempSync(join(tmpdir(), 'vpn-twin-'));
  let twin: Twin | undefined;
  const prefix = `bl-${process.pid}`;
  const cleanup = async () => {
    try {
      await twin?.stop();
    } finally {
      removeTwinNamespaces(prefix); // whatever a signal cut short
      rmSync(workDir, { recursive: true, force: true });
    }
  };
  const onSignal = () => {
    void cleanup().then(() => process.exit(130));
  };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  try {
    console.log(`synthesizing and planning the showcase, handoff of ${customer} into ${workDir}/handoff ...`);
    const inputs = await prepareTwinInputs(workDir, customer);
    twin = await startTwin(inputs, { namePrefix: prefix });
    let failed = 0;
    const check = (ok: boolean, what: string) => {
      console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`);
      if (!ok) failed++;
    };
    const sas = twin.customerCharon.listSas();
    for (const sa of sas) {
      check(
        sa.state === 'ESTABLISHED',
        `${sa.name}: ${sa.state} ${sa.proposal}, ESP ${sa.children.map((c) => c.encryption).join(', ')}`,
      );
    }
    for (const offer of twin.weakOffers) {
      check(
        !offer.sas.some((sa) => sa.children.some((c) => c.state === 'INSTALLED')),
        `weak offer refused: ${offer.description}`,
      );
    }
    const response = twin.request('/hello.txt');
    check(
      response.status === 200,
      `GET /hello.txt through the runtime and the tunnel: ${response.status} ${response.body.trim()}`,
    );
    check(
      twin.dns
        .queries()
        .some((q) => q.includes(inputs.facts.backend.host) && q.includes(twin!.addresses.runtime)),
      `${inputs.facts.backend.host} resolved by the customer's DNS for ${twin.addresses.runtime} (through the tunnel)`,
    );
    check(
      twin.outsiderReachedBackendWithoutFirewall,
      `control: ${twin.addresses.outsider} reaches the backend without the firewall`,
    );
    check(
      !twin.connects(twin.addresses.outsider, inputs.facts.backend.port),
      `${twin.addresses.outsider} (outside the allow-list) is dropped by the firewall`,
    );
    if (keep) {
      console.log(
        `\nthe twin is up. Try:\n  ip netns exec ${twin.aws.name} curl -s http://127.0.0.1:8080/hello.txt`,
      );
      console.log(
        `  STRONGSWAN_CONF=${twin.customerCharon.confPath} swanctl --list-sas --uri ${twin.customerCharon.uri}`,
      );
      console.log(`  ip netns exec ${twin.onprem.name} nft list ruleset\nCtrl-C removes it.`);
      await new Promise(() => undefined);
    }
    const timeout = (inputs.facts.tunnels[0].ike.dpd_timeout_seconds + 15) * 1000;
    const result = await failover(twin, '/hello.txt', timeout);
    check(
      result.recoveredAfterMs !== undefined,
      `${result.downed} down: requests succeed over ${result.carriedBy ?? '?'} after ${result.recoveredAfterMs ?? '-'} ms (device DPD bound ${Math.ceil(deadPeerDetectionSeconds())} s)`,
    );
    return failed === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error) => {
    console.error(`vpn-twin: ${error instanceof Error ? error.message : error}`);
    process.exit(2);
  },
);
