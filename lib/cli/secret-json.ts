#!/usr/bin/env node
/**
 * Builds the JSON value of a backend-link secret from files, checking the material first (PEM parses,
 * the key opens with its passphrase and matches the certificate), so that a secret filled after
 * deployment has the shape the runtime reads. It prints to stdout, for a pipe into the AWS CLI:
 *
 *   backend-link secret client-certificate --cert client.pem --key client.key \
 *     | aws secretsmanager put-secret-value --secret-id <ARN> --secret-string file:///dev/stdin
 */
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { SECRET_MATERIAL, SecretMaterialKind } from '../secrets/secret-source';
import { exitQuietlyOnClosedPipe } from './args';

export class SecretInputError extends Error {
  public override readonly name = 'SecretInputError';
}

/** Options by material; values are file paths except `username`. */
export interface SecretJsonInputs {
  readonly username?: string;
  readonly passwordFile?: string;
  readonly tokenFile?: string;
  readonly certFile?: string;
  readonly keyFile?: string;
  readonly passphraseFile?: string;
  readonly caFile?: string;
  readonly clientSecretFile?: string;
}

const OPTION_OF: Record<keyof SecretJsonInputs, string> = {
  username: '--username',
  passwordFile: '--password-file',
  tokenFile: '--token-file',
  certFile: '--cert',
  keyFile: '--key',
  passphraseFile: '--passphrase-file',
  caFile: '--ca',
  clientSecretFile: '--client-secret-file',
};

const NEEDS: Record<
  SecretMaterialKind,
  { required: Array<keyof SecretJsonInputs>; optional: Array<keyof SecretJsonInputs> }
> = {
  credentials: { required: ['username', 'passwordFile'], optional: [] },
  token: { required: ['tokenFile'], optional: [] },
  'client-certificate': { required: ['certFile', 'keyFile'], optional: ['passphraseFile'] },
  'ca-bundle': { required: ['caFile'], optional: [] },
  'signing-key': { required: ['keyFile'], optional: [] },
  'message-signing-key': { required: ['keyFile'], optional: [] },
  'oauth-client-secret': { required: ['clientSecretFile'], optional: [] },
};

function read(path: string, what: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch (error) {
    throw new SecretInputError(
      `can not read ${what} ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`,
    );
  }
}

/** A one-line value from a file (a trailing newline is not part of a password or token). */
function readLine(path: string, what: string): string {
  const value = read(path, what).replace(/\r?\n$/, '');
  if (value.length === 0) throw new SecretInputError(`${what} ${path} is empty`);
  return value;
}

function certificates(pem: string, what: string, path: string): X509Certificate[] {
  const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g) ?? [];
  if (blocks.length === 0) throw new SecretInputError(`${what} ${path} holds no PEM certificate`);
  return blocks.map((block, i) => {
    try {
      return new X509Certificate(block);
    } catch {
      throw new SecretInputError(`${what} ${path}: certificate ${i + 1} does not parse`);
    }
  });
}

export function buildSecretJson(
  material: SecretMaterialKind,
  inputs: SecretJsonInputs,
  now = new Date(),
): string {
  const needs = NEEDS[material];
  if (!needs) {
    throw new SecretInputError(`unknown material "${material}"; use one of ${Object.keys(NEEDS).join(', ')}`);
  }
  const missing = needs.required.filter((k) => inputs[k] === undefined).map((k) => OPTION_OF[k]);
  if (missing.length > 0) throw new SecretInputError(`${material} needs ${missing.join(' and ')}`);
  const extra = (Object.keys(inputs) as Array<keyof SecretJsonInputs>)
    .filter((k) => inputs[k] !== undefined && !needs.required.includes(k) && !needs.optional.includes(k))
    .map((k) => OPTION_OF[k]);
  if (extra.length > 0) throw new SecretInputError(`${material} does not take ${extra.join(', ')}`);

  let value: Record<string, string>;
  switch (material) {
    case 'credentials':
      if (!/^[^:\s]+$/.test(inputs.username!)) {
        throw new SecretInputError(
          '--username must be non-empty, without spaces or ":" (Basic auth splits on the first ":")',
        );
      }
      value = { username: inputs.username!, password: readLine(inputs.passwordFile!, 'password file') };
      break;
    case 'token':
      value = { token: readLine(inputs.tokenFile!, 'token file') };
      break;
    case 'oauth-client-secret':
      value = { clientSecret: readLine(inputs.clientSecretFile!, 'client secret file') };
      break;
    case 'ca-bundle': {
      const pem = read(inputs.caFile!, 'CA bundle');
      const cas = certificates(pem, 'CA bundle', inputs.caFile!);
      cas.forEach((ca) => {
        if (!ca.ca)
          throw new SecretInputError(`CA bundle ${inputs.caFile}: ${ca.subject} is not a CA certificate`);
      });
      value = { caBundle: pem };
      break;
    }
    case 'signing-key':
    case 'message-signing-key': {
      const key = read(inputs.keyFile!, 'signing key');
      if (key.includes('-----BEGIN')) {
        try {
          createPrivateKey(key);
        } catch {
          throw new SecretInputError(
            `signing key ${inputs.keyFile} is PEM but not a readable unencrypted private key`,
          );
        }
        value = { key };
      } else {
        value = { key: readLine(inputs.keyFile!, 'signing key') };
      }
      break;
    }
    case 'client-certificate': {
      const certificate = read(inputs.certFile!, 'certificate');
      const [leaf] = certificates(certificate, 'certificate', inputs.certFile!);
      const privateKey = read(inputs.keyFile!, 'private key');
      const passphrase = inputs.passphraseFile
        ? readLine(inputs.passphraseFile, 'passphrase file')
        : undefined;
      let key;
      try {
        key = createPrivateKey({ key: privateKey, ...(passphrase !== undefined ? { passphrase } : {}) });
      } catch {
        throw new SecretInputError(
          `private key ${inputs.keyFile} can not be read${passphrase === undefined ? ' (encrypted? give --passphrase-file)' : ' with that passphrase'}`,
        );
      }
      if (!leaf.checkPrivateKey(key)) {
        throw new SecretInputError(
          `private key ${inputs.keyFile} does not match certificate ${inputs.certFile} (${leaf.subject})`,
        );
      }
      if (new Date(leaf.validTo) < now) {
        throw new SecretInputError(`certificate ${inputs.certFile} expired on ${leaf.validTo}`);
      }
      value = { certificate, privateKey, ...(passphrase !== undefined ? { passphrase } : {}) };
      break;
    }
  }
  const shape = SECRET_MATERIAL[material];
  for (const key of shape.requiredKeys)
    if (!(key in value)) throw new Error(`internal: ${material} lacks ${key}`);
  return JSON.stringify(value);
}

export const SECRET_USAGE = `Usage: backend-link secret <material> [options]   (prints the secret's JSON to stdout)
       backend-link-secret <material> [options]   (the same command)

  credentials          --username NAME --password-file FILE
  token                --token-file FILE
  client-certificate   --cert FILE --key FILE [--passphrase-file FILE]
  ca-bundle            --ca FILE
  signing-key          --key FILE           (HMAC secret, or RSA private key PEM)
  message-signing-key  --key FILE           (RFC 9421: Ed25519/P-256/RSA private key PEM, or HMAC secret)
  oauth-client-secret  --client-secret-file FILE

  e.g. backend-link secret client-certificate --cert client.pem --key client.key \\
         | aws secretsmanager put-secret-value --secret-id <ARN> --secret-string file:///dev/stdin

Exit codes: 0 the JSON was printed (or --help); 2 a usage error or unusable material (a file that can
not be read, a certificate that does not parse, a key that does not match or opens with no passphrase).`;

export function parseArgs(
  argv: string[],
): { material: SecretMaterialKind; inputs: SecretJsonInputs } | 'help' {
  if (argv.length === 0 || argv.includes('--help') || argv.includes('-h')) return 'help';
  const [material, ...rest] = argv;
  const byOption = new Map(Object.entries(OPTION_OF).map(([k, o]) => [o, k as keyof SecretJsonInputs]));
  const inputs: Record<string, string> = {};
  for (let i = 0; i < rest.length; i += 2) {
    const key = byOption.get(rest[i]);
    if (!key) throw new SecretInputError(`unknown option ${rest[i]}`);
    if (rest[i + 1] === undefined) throw new SecretInputError(`${rest[i]} needs a value`);
    inputs[key] = rest[i + 1];
  }
  return { material: material as SecretMaterialKind, inputs };
}

export function main(
  argv: string[],
  out: { write(text: string): unknown } = process.stdout,
  err: { write(text: string): unknown } = process.stderr,
  program = 'backend-link-secret',
): number {
  try {
    const parsed = parseArgs(argv);
    if (parsed === 'help') {
      out.write(`${SECRET_USAGE}\n`);
      return 0;
    }
    out.write(`${buildSecretJson(parsed.material, parsed.inputs)}\n`);
    return 0;
  } catch (error) {
    if (error instanceof SecretInputError) {
      err.write(`${program}: ${error.message}\n`);
      return 2;
    }
    throw error;
  }
}

// The `backend-link-secret` command (an alias of `backend-link secret`).
if (require.main === module) {
  exitQuietlyOnClosedPipe();
  process.exitCode = main(process.argv.slice(2));
}
