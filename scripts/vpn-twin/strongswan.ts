/**
 * strongSwan in the twin: one charon (Debian's charon-systemd, run in the foreground) per side, each with its
 * own directory, `strongswan.conf` (named by STRONGSWAN_CONF), vici socket and log; no pid file (charon-systemd
 * writes none), so several run at once. ESP runs in user space (the kernel-libipsec plugin, through a TUN
 * device) because the kernel here has no ESP; the IKE negotiation is strongSwan's usual one.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RETRANSMIT_SETTINGS } from '../../lib/handoff/device-config';
import { Namespace, RunResult, TWIN_TOOLS, TwinError, TwinProcess, run, waitFor } from './system';

/** The plugins the twin loads: crypto (openssl for ECP groups and GCM), user-space ESP, netlink, vici. */
const CHARON_PLUGINS =
  'random nonce openssl aes sha1 sha2 hmac gcm kdf pem pkcs1 x509 pubkey kernel-libipsec kernel-netlink socket-default vici';

/** A section of `swanctl --raw` output: its values and subsections. */
export interface RawSection {
  readonly values: Record<string, string | string[]>;
  readonly sections: Record<string, RawSection>;
}

/** Parses one `swanctl --raw` message body (`{name {k=v k=[a b] sub {…}}}`). */
export function parseRaw(text: string): RawSection {
  const tokens: string[] = text.match(/\{|\}|[^\s{}=]+=\[[^\]]*\]|[^\s{}]+/g) ?? [];
  let i = 0;
  const section = (): RawSection => {
    const values: Record<string, string | string[]> = {};
    const sections: Record<string, RawSection> = {};
    while (i < tokens.length && tokens[i] !== '}') {
      const token = tokens[i++];
      if (tokens[i] === '{') {
        i++;
        sections[token] = section();
        i++; // the closing brace
      } else if (token.includes('=')) {
        const [key, ...rest] = token.split('=');
        const value = rest.join('=');
        values[key] = value.startsWith('[') ? value.slice(1, -1).split(/\s+/).filter(Boolean) : value;
      }
    }
    return { values, sections };
  };
  const start = tokens.indexOf('{');
  if (start < 0) return { values: {}, sections: {} };
  i = start + 1;
  return section();
}

export interface ChildSa {
  readonly name: string;
  readonly state: string;
  readonly encryption: string;
  readonly integrity?: string;
  readonly bytesIn: number;
  readonly bytesOut: number;
  readonly localTs: string[];
  readonly remoteTs: string[];
}

export interface IkeSa {
  readonly name: string;
  readonly state: string;
  readonly remoteHost: string;
  /** e.g. `AES_GCM_16-256/PRF_HMAC_SHA2_384/ECP_256`. */
  readonly proposal: string;
  readonly children: ChildSa[];
}

function str(value: string | string[] | undefined): string {
  return Array.isArray(value) ? value.join(' ') : (value ?? '');
}

function list(value: string | string[] | undefined): string[] {
  return Array.isArray(value) ? value : value ? [value] : [];
}

export class Charon {
  private constructor(
    public readonly label: string,
    public readonly dir: string,
    private readonly proc: TwinProcess,
  ) {}

  get confPath(): string {
    return join(this.dir, 'strongswan.conf');
  }

  get uri(): string {
    return `unix://${join(this.dir, 'charon.vici')}`;
  }

  /** Starts charon in `ns` with a `strongswan.conf` of its own in `dir`; resolves once vici answers. */
  static async start(label: string, ns: Namespace, dir: string): Promise<Charon> {
    mkdirSync(dir, { recursive: true });
    const retransmit = Object.entries(RETRANSMIT_SETTINGS)
      .map(([k, v]) => `  ${k} = ${v}`)
      .join('\n');
    writeFileSync(
      join(dir, 'strongswan.conf'),
      `# ${label}: the twin's charon (its own vici socket and log)
charon {
  load = ${CHARON_PLUGINS}
  # the device configuration's advice: find a dead peer within the DPD timeout
${retransmit}
  plugins {
    vici {
      socket = unix://${join(dir, 'charon.vici')}
    }
  }
  filelog {
    twin {
      path = ${join(dir, 'charon.log')}
      time_format = %T
      default = 1
      ike = 2
      cfg = 2
      flush_line = yes
    }
  }
}
charon-systemd {
  journal {
    default = -1
  }
}
swanctl {
  load = random openssl pem pkcs1 x509 pubkey
}
`,
    );
    const proc = ns.spawn(label, TWIN_TOOLS.charon[0], [], { STRONGSWAN_CONF: join(dir, 'strongswan.conf') });
    const charon = new Charon(label, dir, proc);
    await waitFor(
      `${label} to answer on its vici socket`,
      () => {
        const exited = proc.exited();
        if (exited) throw new TwinError(`${exited}\n${proc.log()}\n${charon.log()}`);
        if (!existsSync(join(dir, 'charon.vici'))) return undefined;
        return charon.swanctl(['--stats'], { allowFailure: true }).status === 0 ? true : undefined;
      },
      { timeoutMs: 10_000, intervalMs: 100, detail: () => charon.log() },
    );
    return charon;
  }

  /** Runs swanctl against this charon. */
  swanctl(args: readonly string[], options: { allowFailure?: boolean; timeoutMs?: number } = {}): RunResult {
    return run(TWIN_TOOLS.swanctl[0], [...args, '--uri', this.uri], {
      ...options,
      env: { ...process.env, STRONGSWAN_CONF: this.confPath },
    });
  }

  /** `swanctl --load-all --file <file>`: the real validation of a swanctl.conf. Throws when it fails. */
  loadAll(file: string): string {
    const result = this.swanctl(['--load-all', '--file', file], { allowFailure: true });
    if (result.status !== 0 || !/successfully loaded \d+ connections, \d+ unloaded/.test(result.stdout)) {
      throw new TwinError(
        `${this.label}: swanctl --load-all --file ${file} failed:\n${result.stdout}${result.stderr}`,
      );
    }
    return result.stdout;
  }

  /** Initiates an IKE SA (and its children); returns swanctl's answer, never throws. */
  initiate(ike: string, child?: string, timeoutSeconds = 10): RunResult {
    return this.swanctl(
      ['--initiate', '--ike', ike, ...(child ? ['--child', child] : []), '--timeout', String(timeoutSeconds)],
      { allowFailure: true, timeoutMs: (timeoutSeconds + 5) * 1000 },
    );
  }

  listSas(): IkeSa[] {
    const out = this.swanctl(['--list-sas', '--raw']).stdout;
    return out
      .split('\n')
      .filter((line) => line.startsWith('list-sa event'))
      .flatMap((line) => Object.entries(parseRaw(line).sections))
      .map(([name, sa]) => ({
        name,
        state: str(sa.values.state),
        remoteHost: str(sa.values['remote-host']),
        proposal: [
          `${str(sa.values['encr-alg'])}-${str(sa.values['encr-keysize'])}`,
          ...(sa.values['integ-alg'] ? [str(sa.values['integ-alg'])] : []),
          str(sa.values['prf-alg']),
          str(sa.values['dh-group']),
        ].join('/'),
        children: Object.values(sa.sections['child-sas']?.sections ?? {}).map((c) => ({
          name: str(c.values.name),
          state: str(c.values.state),
          encryption: `${str(c.values['encr-alg'])}-${str(c.values['encr-keysize'])}`,
          ...(c.values['integ-alg'] ? { integrity: str(c.values['integ-alg']) } : {}),
          bytesIn: Number(str(c.values['bytes-in']) || 0),
          bytesOut: Number(str(c.values['bytes-out']) || 0),
          localTs: list(c.values['local-ts']),
          remoteTs: list(c.values['remote-ts']),
        })),
      }));
  }

  log(): string {
    try {
      return readFileSync(join(this.dir, 'charon.log'), 'utf8');
    } catch {
      return '';
    }
  }

  async stop(): Promise<void> {
    await this.proc.stop();
  }
}
