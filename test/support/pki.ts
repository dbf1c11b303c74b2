/**
 * A throw-away PKI for TLS tests, made with the `openssl` CLI in a temporary directory: root and
 * intermediate CAs, server certificates for 127.0.0.1/localhost, client certificates, an expired
 * certificate (`openssl ca` with past dates), keys with a passphrase. Keys are EC P-256 (fast).
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createPrivateKey, generateKeyPairSync } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** A certificate and its key, as PEM strings and files. */
export interface Issued {
  readonly name: string;
  /** The certificate alone (PEM). */
  readonly cert: string;
  /** The unencrypted key (PEM, PKCS#8). */
  readonly key: string;
  readonly certFile: string;
  readonly keyFile: string;
  /** The serial number in upper-case hex, as nginx's `$ssl_client_serial` and Node print it. */
  readonly serial: string;
}

export interface IssueOptions {
  /** Subject common name. */
  readonly cn: string;
  /** Subject alternative names, e.g. `DNS:localhost`, `IP:127.0.0.1`. */
  readonly sans?: readonly string[];
  readonly usage: 'server' | 'client';
  /** @default 30 */
  readonly days?: number;
  /** Valid from 2020-01-01 to 2020-01-02 (issued with `openssl ca -startdate/-enddate`). @default false */
  readonly expired?: boolean;
}

async function openssl(args: readonly string[], cwd: string): Promise<string> {
  try {
    const { stdout } = await run('openssl', [...args], { cwd });
    return stdout;
  } catch (error) {
    const e = error as NodeJS.ErrnoException & { stderr?: string };
    if (e.code === 'ENOENT') {
      throw new Error(
        'openssl is not installed: the TLS tests need the openssl CLI (apt-get install openssl)',
      );
    }
    throw new Error(`openssl ${args[0]} failed: ${e.stderr ?? e.message}`);
  }
}

/** A positive serial of 16 hex digits without a leading zero. */
const newSerial = () =>
  `${1 + (randomBytes(1)[0] % 7)}${randomBytes(8).toString('hex').slice(1).toUpperCase()}`;

export class TestPki {
  /** Creates a PKI in a new temporary directory (removed by `cleanup()`). */
  static async create(): Promise<TestPki> {
    const dir = mkdtempSync(join(tmpdir(), 'test-pki-'));
    await openssl(['version'], dir);
    return new TestPki(dir);
  }

  private constructor(readonly dir: string) {}

  /** A CA: self-signed without `issuer`, else an intermediate signed by it. */
  async ca(name: string, issuer?: Issued): Promise<Issued> {
    const ext = [
      'basicConstraints = critical,CA:TRUE' + (issuer ? ',pathlen:0' : ''),
      'keyUsage = critical,keyCertSign,cRLSign',
      'subjectKeyIdentifier = hash',
    ];
    return this.sign(name, `/CN=${name}`, ext, issuer, 3650, false);
  }

  /** A leaf certificate signed by `issuer`, or by its own key with `'self-signed'`. */
  async issue(name: string, issuer: Issued | 'self-signed', options: IssueOptions): Promise<Issued> {
    const ext = [
      'basicConstraints = critical,CA:FALSE',
      'keyUsage = critical,digitalSignature',
      `extendedKeyUsage = ${options.usage === 'server' ? 'serverAuth' : 'clientAuth'}`,
      'subjectKeyIdentifier = hash',
      ...(issuer === 'self-signed' ? [] : ['authorityKeyIdentifier = keyid,issuer']),
      ...(options.sans?.length ? [`subjectAltName = ${options.sans.join(',')}`] : []),
    ];
    return this.sign(
      name,
      `/CN=${options.cn}/O=backend-link tests`,
      ext,
      issuer === 'self-signed' ? undefined : issuer,
      options.days ?? 30,
      !!options.expired,
    );
  }

  /** The key of `issued`, encrypted with `passphrase` (PKCS#8, AES-256-CBC), written beside it. */
  encryptKey(issued: Issued, passphrase: string): { readonly key: string; readonly keyFile: string } {
    const key = createPrivateKey(issued.key).export({
      type: 'pkcs8',
      format: 'pem',
      cipher: 'aes-256-cbc',
      passphrase,
    }) as string;
    const keyFile = join(this.dir, `${issued.name}.encrypted.key`);
    writeFileSync(keyFile, key);
    return { key, keyFile };
  }

  /** Concatenates PEM files into one (a chain or a CA bundle). */
  bundle(name: string, ...parts: readonly Issued[]): string {
    const file = join(this.dir, name);
    writeFileSync(file, parts.map((p) => p.cert).join(''));
    return file;
  }

  /**
   * The SPKI SHA-256 pin of a certificate, computed by the openssl CLI exactly as documented:
   * `openssl x509 -pubkey -noout | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`.
   */
  async spkiPin(issued: Issued): Promise<string> {
    const pubkey = join(this.dir, `${issued.name}.pub.pem`);
    const der = join(this.dir, `${issued.name}.pub.der`);
    const digest = join(this.dir, `${issued.name}.pub.sha256`);
    await openssl(['x509', '-in', issued.certFile, '-pubkey', '-noout', '-out', pubkey], this.dir);
    await openssl(['pkey', '-pubin', '-in', pubkey, '-outform', 'der', '-out', der], this.dir);
    await openssl(['dgst', '-sha256', '-binary', '-out', digest, der], this.dir);
    return readFileSync(digest).toString('base64');
  }

  cleanup(): void {
    rmSync(this.dir, { recursive: true, force: true });
  }

  private async sign(
    name: string,
    subject: string,
    extensions: readonly string[],
    issuer: Issued | undefined,
    days: number,
    expired: boolean,
  ): Promise<Issued> {
    const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
    const key = privateKey.export({ type: 'pkcs8', format: 'pem' }) as string;
    const keyFile = join(this.dir, `${name}.key`);
    const csrFile = join(this.dir, `${name}.csr`);
    const certFile = join(this.dir, `${name}.crt`);
    const extFile = join(this.dir, `${name}.ext`);
    writeFileSync(keyFile, key, { mode: 0o600 });
    writeFileSync(extFile, `[v3]\n${extensions.join('\n')}\n`);
    await openssl(['req', '-new', '-key', keyFile, '-subj', subject, '-out', csrFile], this.dir);
    const serial = newSerial();
    if (expired) {
      await this.signWithCa(name, csrFile, certFile, extFile, issuer!, serial);
    } else {
      await openssl(
        [
          'x509',
          '-req',
          '-in',
          csrFile,
          ...(issuer ? ['-CA', issuer.certFile, '-CAkey', issuer.keyFile] : ['-signkey', keyFile]),
          '-set_serial',
          `0x${serial}`,
          '-days',
          String(days),
          '-sha256',
          '-extfile',
          extFile,
          '-extensions',
          'v3',
          '-out',
          certFile,
        ],
        this.dir,
      );
    }
    return { name, cert: readFileSync(certFile, 'utf8'), key, certFile, keyFile, serial };
  }

  /** `openssl ca` can set dates in the past (openssl 3.0's `x509` can not). */
  private async signWithCa(
    name: string,
    csrFile: string,
    certFile: string,
    extFile: string,
    issuer: Issued,
    serial: string,
  ): Promise<void> {
    const caDir = join(this.dir, `${name}.ca`);
    mkdirSync(join(caDir, 'newcerts'), { recursive: true });
    writeFileSync(join(caDir, 'index.txt'), '');
    writeFileSync(join(caDir, 'serial'), `${serial}\n`);
    const config = join(caDir, 'ca.cnf');
    writeFileSync(
      config,
      [
        '[ca]',
        'default_ca = test_ca',
        '[test_ca]',
        `database = ${join(caDir, 'index.txt')}`,
        `new_certs_dir = ${join(caDir, 'newcerts')}`,
        `serial = ${join(caDir, 'serial')}`,
        'default_md = sha256',
        'policy = policy_any',
        'unique_subject = no',
        '[policy_any]',
        'commonName = supplied',
        'organizationName = optional',
        '',
      ].join('\n'),
    );
    await openssl(
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        config,
        '-cert',
        issuer.certFile,
        '-keyfile',
        issuer.keyFile,
        '-in',
        csrFile,
        '-out',
        certFile,
        '-startdate',
        '20200101000000Z',
        '-enddate',
        '20200102000000Z',
        '-extfile',
        extFile,
        '-extensions',
        'v3',
      ],
      this.dir,
    );
  }
}
