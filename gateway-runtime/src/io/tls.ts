import { createHash, createPrivateKey, X509Certificate, type KeyObject } from 'node:crypto';
import {
  checkServerIdentity as defaultCheckServerIdentity,
  createSecureContext,
  type ConnectionOptions,
  type PeerCertificate,
} from 'node:tls';
import type { BackendTlsConfig, SecretRef } from '../config/types';
import { ConfigError, CredentialsUnavailableError } from '../core/errors';
import { describeSecretRef } from '../secrets/describe';
import type { SecretResolver, SecretValue } from '../secrets/types';

/** The `code` of the error a pin mismatch fails the TLS handshake with. */
export const SPKI_PIN_MISMATCH_CODE = 'ERR_TLS_SPKI_PIN_MISMATCH';
/** The oldest TLS version spoken to a backend. */
export const MIN_TLS_VERSION = 'TLSv1.2';

const MATERIAL_NAMES = ['ca', 'cert', 'key', 'passphrase'] as const;
type MaterialName = (typeof MATERIAL_NAMES)[number];

/** The secret references of the TLS material, by name (absent ones left out). */
function materialRefs(tls: BackendTlsConfig | undefined): Partial<Record<MaterialName, SecretRef>> {
  return {
    ...(tls?.ca ? { ca: tls.ca } : {}),
    ...(tls?.clientCertificate
      ? {
          cert: tls.clientCertificate.cert,
          key: tls.clientCertificate.key,
          ...(tls.clientCertificate.passphrase ? { passphrase: tls.clientCertificate.passphrase } : {}),
        }
      : {}),
  };
}

/** True when `backend.tls` references secrets (a CA bundle, a client certificate): they may rotate. */
export function hasMaterialRefs(tls: BackendTlsConfig | undefined): boolean {
  return Object.keys(materialRefs(tls)).length > 0;
}

/** The TLS secrets as read now, and their identity: the versions of every piece, in a fixed order. */
export interface ResolvedTlsSecrets {
  readonly identity: string;
  readonly values: Partial<Record<MaterialName, string>>;
}

export async function resolveTlsSecrets(
  tls: BackendTlsConfig | undefined,
  secrets: SecretResolver,
): Promise<ResolvedTlsSecrets> {
  const refs = materialRefs(tls);
  const names = MATERIAL_NAMES.filter((name) => refs[name] !== undefined);
  const read: SecretValue[] = await Promise.all(names.map((name) => secrets.resolve(refs[name]!)));
  return {
    identity: names.map((name, i) => `${name}=${read[i].version}`).join(';'),
    values: Object.fromEntries(names.map((name, i) => [name, read[i].value])),
  };
}

/** Connection options for undici's connector, plus what is worth reporting about the material. */
export interface TlsMaterial {
  readonly connect: ConnectionOptions;
  /** The client certificate (leaf), when mutual TLS is configured. */
  readonly clientCertificate?: X509Certificate;
}

const PEM_CERTIFICATE = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

export function parseCertificates(pem: string): X509Certificate[] {
  return (pem.match(PEM_CERTIFICATE) ?? []).map((block) => new X509Certificate(block));
}

/**
 * Checks the material and builds one TLS secure context for every connection of a pool. Throws
 * CredentialsUnavailableError naming the secret reference that is wrong (never its content): a CA
 * bundle without certificates, a certificate that does not parse, a key that does not parse or
 * decrypt, a certificate and key that do not belong together. Certificate verification is always on.
 */
export function buildTlsMaterial(
  tls: BackendTlsConfig | undefined,
  resolved: ResolvedTlsSecrets,
): TlsMaterial {
  const refs = materialRefs(tls);
  const { ca, cert, key, passphrase } = resolved.values;

  if (ca !== undefined) {
    let certificates: X509Certificate[];
    try {
      certificates = parseCertificates(ca);
    } catch {
      throw new CredentialsUnavailableError(
        `CA bundle ${describeSecretRef(refs.ca!)} holds an invalid certificate`,
        { secret: describeSecretRef(refs.ca!), reason: 'NOT_PEM' },
      );
    }
    if (certificates.length === 0) {
      throw new CredentialsUnavailableError(
        `CA bundle ${describeSecretRef(refs.ca!)} holds no PEM certificate`,
        { secret: describeSecretRef(refs.ca!), reason: 'NOT_PEM' },
      );
    }
  }

  let clientCertificate: X509Certificate | undefined;
  if (cert !== undefined && key !== undefined) {
    const certName = `client certificate ${describeSecretRef(refs.cert!)}`;
    const keyName = `client key ${describeSecretRef(refs.key!)}`;
    try {
      [clientCertificate] = parseCertificates(cert);
    } catch {
      clientCertificate = undefined;
    }
    if (clientCertificate === undefined) {
      throw new CredentialsUnavailableError(`${certName} is not a PEM certificate`, {
        secret: describeSecretRef(refs.cert!),
        reason: 'NOT_PEM',
      });
    }
    const privateKey = loadPrivateKey(key, passphrase, keyName, refs.passphrase);
    if (!clientCertificate.checkPrivateKey(privateKey)) {
      throw new CredentialsUnavailableError(`${certName} does not match ${keyName}`, {
        secret: describeSecretRef(refs.key!),
        reason: 'KEY_MISMATCH',
      });
    }
  }

  let secureContext;
  try {
    secureContext = createSecureContext({
      minVersion: MIN_TLS_VERSION,
      ...(ca !== undefined ? { ca } : {}),
      ...(cert !== undefined && key !== undefined ? { cert, key, passphrase } : {}),
    });
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'unknown error';
    throw new CredentialsUnavailableError(`the backend TLS material can not be loaded (${code})`);
  }

  return {
    connect: {
      secureContext,
      // Explicit, so that NODE_TLS_REJECT_UNAUTHORIZED=0 in the environment can not turn verification off.
      rejectUnauthorized: true,
      minVersion: MIN_TLS_VERSION,
      ...(tls?.servername ? { servername: tls.servername } : {}),
      ...(tls?.pinnedSpkiSha256?.length ? { checkServerIdentity: pinningCheck(tls.pinnedSpkiSha256) } : {}),
    },
    ...(clientCertificate ? { clientCertificate } : {}),
  };
}

export function loadPrivateKey(
  pem: string,
  passphrase: string | undefined,
  keyName: string,
  passphraseRef: SecretRef | undefined,
): KeyObject {
  try {
    return createPrivateKey({ key: pem, format: 'pem', ...(passphrase !== undefined ? { passphrase } : {}) });
  } catch {
    const encrypted = /ENCRYPTED PRIVATE KEY|Proc-Type: 4,ENCRYPTED/.test(pem);
    if (encrypted && passphraseRef === undefined) {
      throw new CredentialsUnavailableError(`${keyName} is encrypted and no passphrase is configured`, {
        secret: keyName,
        reason: 'NO_PASSPHRASE',
      });
    }
    if (encrypted) {
      throw new CredentialsUnavailableError(
        `${keyName} can not be decrypted with passphrase ${describeSecretRef(passphraseRef!)}`,
        { secret: keyName, reason: 'DECRYPTION_FAILED' },
      );
    }
    throw new CredentialsUnavailableError(`${keyName} is not a PEM private key`, {
      secret: keyName,
      reason: 'NOT_PEM',
    });
  }
}

/** base64(SHA-256(DER SubjectPublicKeyInfo)) of a certificate, as `openssl x509 -pubkey | openssl pkey -pubin -outform der | openssl dgst -sha256 -binary | base64`. */
export function spkiSha256(certificate: X509Certificate): string {
  const spki = certificate.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

/**
 * `checkServerIdentity` that first runs Node's own hostname check and then requires the leaf's SPKI
 * to match one of the pins. Node calls it only after the chain verified: pinning adds to chain
 * validation, it never replaces it.
 */
export function pinningCheck(
  pins: readonly string[],
): (hostname: string, cert: PeerCertificate) => Error | undefined {
  const allowed = new Set(pins);
  return (hostname, cert) => {
    const hostnameError = defaultCheckServerIdentity(hostname, cert);
    if (hostnameError) return hostnameError;
    const actual = spkiSha256(new X509Certificate(cert.raw));
    if (allowed.has(actual)) return undefined;
    return Object.assign(
      new Error(`the backend certificate's public key (SPKI SHA-256 ${actual}) matches no pinned key`),
      { code: SPKI_PIN_MISMATCH_CODE },
    );
  };
}

/** Refuses pins that can never match (not base64 of 32 bytes): they would fail every request. */
export function checkPins(pins: readonly string[] | undefined): void {
  const problems = (pins ?? []).flatMap((pin, i) =>
    /^[A-Za-z0-9+/]{43}=$/.test(pin) && Buffer.from(pin, 'base64').length === 32
      ? []
      : [
          {
            path: `backend.tls.pinnedSpkiSha256[${i}]`,
            message: `"${pin}" is not a base64 SHA-256 (44 characters ending in "=")`,
          },
        ],
  );
  if (problems.length > 0) throw new ConfigError(problems);
}
