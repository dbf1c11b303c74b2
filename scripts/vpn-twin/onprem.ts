/**
 * The customer's side of the twin besides its VPN device: a private CA and the backend's certificate
 * (openssl), the backend (Apache httpd with mod_ssl and mod_auth_digest, as the customer's scheme requires)
 * and the customer's DNS server (dnsmasq) answering the backend's private name.
 */
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { htdigestLine, loadModules } from '../support/apache-conf';
import { Namespace, TWIN_TOOLS, TwinError, TwinProcess, run, waitFor } from './system';

/** A CA and a server certificate for `hostname`, made with the openssl command line. */
export function makeBackendPki(dir: string, hostname: string): { ca: string; cert: string; key: string } {
  mkdirSync(dir, { recursive: true });
  const openssl = TWIN_TOOLS.opensslCli[0];
  const p = (name: string) => join(dir, name);
  const ec = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];
  run(openssl, [
    'req',
    '-x509',
    ...ec,
    '-keyout',
    p('ca.key'),
    '-out',
    p('ca.pem'),
    '-days',
    '2',
    '-subj',
    '/CN=backend-link twin CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  run(openssl, [
    'req',
    ...ec,
    '-keyout',
    p('server.key'),
    '-out',
    p('server.csr'),
    '-subj',
    `/CN=${hostname}`,
  ]);
  writeFileSync(
    p('server.ext'),
    `subjectAltName=DNS:${hostname}\nextendedKeyUsage=serverAuth\nbasicConstraints=CA:FALSE\n`,
  );
  run(openssl, [
    'x509',
    '-req',
    '-in',
    p('server.csr'),
    '-CA',
    p('ca.pem'),
    '-CAkey',
    p('ca.key'),
    '-CAcreateserial',
    '-out',
    p('server.pem'),
    '-days',
    '2',
    '-extfile',
    p('server.ext'),
  ]);
  return { ca: p('ca.pem'), cert: p('server.pem'), key: p('server.key') };
}

export interface BackendOptions {
  readonly dir: string;
  readonly address: string;
  /** The TLS port (the backend URL's). */
  readonly port: number;
  /** A plain-HTTP port beside it, that the customer firewall does not admit. */
  readonly otherPort: number;
  readonly hostname: string;
  /** The URL path prefix that needs digest (the backend URL's path). */
  readonly protectedPath: string;
  readonly realm: string;
  readonly username: string;
  readonly password: string;
  readonly pki: { cert: string; key: string };
}

export interface Backend {
  readonly proc: TwinProcess;
  /** Access-log lines: `client-address METHOD PATH STATUS`. */
  accessLog(): string[];
}

/** Checks from inside `ns` that something accepts TCP on address:port (bash's /dev/tcp, bounded). */
export function tcpOpen(ns: Namespace, address: string, port: number): boolean {
  return (
    ns.exec('timeout', ['2', 'bash', '-c', `exec 3<>/dev/tcp/${address}/${port}`], { allowFailure: true })
      .status === 0
  );
}

export async function startBackend(ns: Namespace, o: BackendOptions): Promise<Backend> {
  mkdirSync(o.dir, { recursive: true });
  chmodSync(o.dir, 0o755); // the worker processes run as www-data
  const www = join(o.dir, 'www');
  const protectedDir = join(www, o.protectedPath.replace(/^\/|\/$/g, ''));
  mkdirSync(protectedDir, { recursive: true, mode: 0o755 });
  writeFileSync(join(protectedDir, 'hello.txt'), `hello from ${o.hostname}\n`, { mode: 0o644 });
  writeFileSync(join(o.dir, 'htdigest'), `${htdigestLine(o.username, o.realm, o.password)}\n`, {
    mode: 0o644,
  });
  const location = o.protectedPath.endsWith('/') ? o.protectedPath : `${o.protectedPath}/`;
  const conf = `
ServerRoot "${o.dir}"
DefaultRuntimeDir "${o.dir}"
PidFile "${o.dir}/httpd.pid"
Listen ${o.address}:${o.port}
Listen ${o.address}:${o.otherPort}
ServerName ${o.hostname}
ErrorLog "${o.dir}/error.log"
LogLevel warn
${loadModules(['mpm_event', 'log_config', 'authn_core', 'authn_file', 'authz_core', 'authz_user', 'auth_digest', 'socache_shmcb', 'ssl'])}
User www-data
Group www-data
LogFormat "%a %m %U %>s" twin
CustomLog "${o.dir}/access.log" twin
DocumentRoot "${www}"
<Directory "${www}">
  AllowOverride None
  Require all granted
</Directory>
<VirtualHost ${o.address}:${o.port}>
  SSLEngine on
  SSLCertificateFile "${o.pki.cert}"
  SSLCertificateKeyFile "${o.pki.key}"
</VirtualHost>
<Location "${location}">
  AuthType Digest
  AuthName "${o.realm}"
  AuthDigestDomain ${location}
  AuthDigestProvider file
  AuthUserFile "${o.dir}/htdigest"
  AuthDigestAlgorithm MD5
  AuthDigestQop auth
  Require valid-user
</Location>
`;
  const confFile = join(o.dir, 'httpd.conf');
  writeFileSync(confFile, conf);
  const proc = ns.spawn('apache2', TWIN_TOOLS.apache[0], ['-f', confFile, '-DFOREGROUND']);
  const errorLog = () => {
    try {
      return readFileSync(join(o.dir, 'error.log'), 'utf8');
    } catch {
      return '';
    }
  };
  await waitFor(
    `Apache on ${o.address}:${o.port}`,
    () => {
      const exited = proc.exited();
      if (exited) throw new TwinError(`${exited}\n${proc.log()}\n${errorLog()}`);
      return tcpOpen(ns, o.address, o.port) && tcpOpen(ns, o.address, o.otherPort) ? true : undefined;
    },
    { timeoutMs: 15_000, detail: errorLog },
  );
  return {
    proc,
    accessLog: () => {
      try {
        return readFileSync(join(o.dir, 'access.log'), 'utf8').split('\n').filter(Boolean);
      } catch {
        return [];
      }
    },
  };
}

export interface Dns {
  readonly proc: TwinProcess;
  /** dnsmasq's query log lines (`query[A] name from address`). */
  queries(): string[];
}

/** dnsmasq on every `servers` address (one port for all), answering `names` and nothing else. */
export async function startDns(
  ns: Namespace,
  dir: string,
  servers: ReadonlyArray<{ address: string; port: number }>,
  names: Readonly<Record<string, string>>,
): Promise<Dns> {
  mkdirSync(dir, { recursive: true });
  const ports = [...new Set(servers.map((s) => s.port))];
  if (ports.length !== 1)
    throw new TwinError(`the twin runs one dnsmasq: its DNS servers need one port (got ${ports.join(', ')})`);
  const log = join(dir, 'dnsmasq.log');
  const proc = ns.spawn('dnsmasq', TWIN_TOOLS.dnsmasq[0], [
    '--keep-in-foreground',
    '--conf-file=/dev/null',
    '--no-resolv',
    '--no-hosts',
    '--bind-interfaces',
    ...servers.map((s) => `--listen-address=${s.address}`),
    `--port=${ports[0]}`,
    '--user=root',
    '--pid-file=',
    '--log-queries',
    `--log-facility=${log}`,
    ...Object.entries(names).map(([name, address]) => `--address=/${name}/${address}`),
  ]);
  await waitFor(
    `dnsmasq on ${servers.map((s) => s.address).join(', ')}`,
    () => {
      const exited = proc.exited();
      if (exited) throw new TwinError(`${exited}\n${proc.log()}`);
      return servers.every((s) => tcpOpen(ns, s.address, s.port)) ? true : undefined;
    },
    { timeoutMs: 10_000 },
  );
  return {
    proc,
    queries: () => {
      try {
        return readFileSync(log, 'utf8')
          .split('\n')
          .filter((line) => line.includes(' query['));
      } catch {
        return [];
      }
    },
  };
}
