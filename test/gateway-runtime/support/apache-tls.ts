/**
 * Apache httpd with mod_ssl and `SSLVerifyClient require`, on loopback, limited to one TLS version.
 * With TLS 1.3 it refuses a missing or unknown client certificate with an alert *after* the client's
 * handshake is done (certificate_required, unknown_ca); with TLS 1.2 the handshake itself fails.
 */
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { APACHE_BINARY } from '../../support/apache';
import { freePort, waitForServer } from '../../support/ports';
import { startProcess } from '../../support/processes';
import { requireTool } from '../../support/tools';

const MODULES = '/usr/lib/apache2/modules';

export interface ApacheTls {
  readonly baseUrl: string;
  stop(): Promise<void>;
}

export async function startApacheTls(options: {
  readonly certFile: string;
  readonly keyFile: string;
  readonly clientCaFile: string;
  readonly protocol: 'TLSv1.2' | 'TLSv1.3';
}): Promise<ApacheTls> {
  const binary = requireTool(APACHE_BINARY, 'apache2');
  const dir = mkdtempSync(join(tmpdir(), 'apache-tls-'));
  chmodSync(dir, 0o755);
  const www = join(dir, 'www');
  mkdirSync(www, { mode: 0o755 });
  writeFileSync(join(www, 'hello.txt'), 'hello over mtls\n', { mode: 0o644 });
  writeFileSync(join(dir, 'mime.types'), '');
  const port = await freePort();
  const isRoot = process.getuid?.() === 0;
  const load = (name: string, file: string) =>
    `<IfModule !${name}>\n  LoadModule ${name} ${MODULES}/${file}\n</IfModule>`;
  const conf = `
ServerRoot "${dir}"
DefaultRuntimeDir "${dir}"
PidFile "${dir}/httpd.pid"
Listen 127.0.0.1:${port}
ServerName localhost
ErrorLog "${dir}/error.log"
LogLevel warn
${load('mpm_event_module', 'mod_mpm_event.so')}
${isRoot ? 'User www-data\nGroup www-data' : ''}
${load('authz_core_module', 'mod_authz_core.so')}
${load('mime_module', 'mod_mime.so')}
${load('socache_shmcb_module', 'mod_socache_shmcb.so')}
${load('ssl_module', 'mod_ssl.so')}
TypesConfig "${dir}/mime.types"
DocumentRoot "${www}"
<Directory "${www}">
  Require all granted
</Directory>
SSLSessionCache "shmcb:${dir}/ssl_scache(512000)"
SSLEngine on
SSLProtocol -all +${options.protocol}
SSLCertificateFile "${options.certFile}"
SSLCertificateKeyFile "${options.keyFile}"
SSLCACertificateFile "${options.clientCaFile}"
SSLVerifyClient require
SSLVerifyDepth 2
`;
  const confFile = join(dir, 'httpd.conf');
  writeFileSync(confFile, conf);
  for (const file of [options.certFile, options.keyFile, options.clientCaFile]) chmodSync(file, 0o644);
  const proc = startProcess(binary, ['-f', confFile, '-DFOREGROUND'], { cwd: dir });
  await waitForServer(proc, port, dir);
  return {
    baseUrl: `https://127.0.0.1:${port}`,
    async stop() {
      await proc.stop('SIGTERM');
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
