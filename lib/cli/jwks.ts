/**
 * `backend-link jwks`: the public JWKS (RFC 7517) of a signing key, for the customer whose backend verifies
 * the gateway's RFC 9421 message signatures, and for the OAuth `private_key_jwt` client registration (RFC
 * 7523). It reads a PEM private key (or its public key) and prints only the public half: an HMAC secret has
 * none, and is refused.
 */
import { createPrivateKey, createPublicKey, KeyObject } from 'node:crypto';
import { readFileSync } from 'node:fs';
import {
  type JwsAlgorithm,
  MESSAGE_SIGNATURE_JWS,
  publicJwks,
} from '../../gateway-runtime/src/schemes/message-signature-jwks';
import { messageSignaturePublicKey } from '../runtime/backend-security-checks';
import { Io, UsageError, parseCommandArgs, processIo } from './args';

export const JWKS_USAGE = `Usage: backend-link jwks --key FILE --kid KID [--alg ALG]

Prints the public JWKS of a signing key: what the customer's backend verifies the gateway's RFC 9421
message signatures with (\`kid\` is the signatures' keyid), or what the customer's authorization server
registers for the gateway's OAuth private_key_jwt client (\`kid\` is privateKeyJwt.keyId). Only the public
key is printed.

Options:
  --key FILE   the PEM private key (PKCS#8, SEC1 or PKCS#1; or its PEM public key)
  --kid KID    the key's identifier: the keyId of BackendSecurity.messageSignature or of privateKeyJwt
  --alg ALG    a message-signature algorithm (ed25519, ecdsa-p256-sha256, rsa-pss-sha512) or a
               private_key_jwt one (EdDSA, ES256, PS256, RS256): the key must fit it
               (default: from the key: Ed25519 -> EdDSA, P-256 -> ES256, RSA -> PS512)
  -h, --help   show this help

  e.g. backend-link jwks --key signing-key.pem --kid gateway-2026 > jwks.json

Exit codes: 0 the JWKS was printed (or --help); 2 a usage error or a key that can not be published (not
readable, not PEM, an HMAC secret, a key that does not fit --alg).`;

/** --alg: a message-signature algorithm (published as its JWS name) or a private_key_jwt JWS algorithm. */
const ALGORITHMS: Readonly<Record<string, JwsAlgorithm>> = {
  ...MESSAGE_SIGNATURE_JWS,
  EdDSA: 'EdDSA',
  ES256: 'ES256',
  PS256: 'PS256',
  RS256: 'RS256',
};
/** The message-signature algorithm whose key rules a JWS algorithm shares (RSA: 2048 bits or more). */
const KEY_RULES: Readonly<Record<JwsAlgorithm, string>> = {
  EdDSA: 'ed25519',
  ES256: 'ecdsa-p256-sha256',
  PS512: 'rsa-pss-sha512',
  PS256: 'rsa-pss-sha512',
  RS256: 'rsa-pss-sha512',
};

/** A key that can not be published; the message never quotes the file's content. */
class KeyInputError extends Error {}

/** The public key of the PEM in `text`; never the text in an error. */
function publicKeyOf(text: string, file: string): KeyObject {
  if (!text.includes('-----BEGIN')) {
    throw new KeyInputError(
      `${file} is not a PEM key: an HMAC (shared) secret has no public key to publish; share it over a separate channel instead`,
    );
  }
  if (/-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(text)) {
    throw new KeyInputError(`${file} is an encrypted private key: decrypt it first (openssl pkey -in FILE)`);
  }
  try {
    return text.includes('PRIVATE KEY-----')
      ? createPublicKey(createPrivateKey(text))
      : createPublicKey(text);
  } catch {
    throw new KeyInputError(`${file} holds no readable PEM key`);
  }
}

/** The JWKS text for the key in `text`; throws KeyInputError for a key that can not be published. */
export function jwksOf(text: string, file: string, kid: string, alg?: string): string {
  const key = publicKeyOf(text, file);
  if (key.type === 'secret') throw new KeyInputError(`${file} is a secret key, which has no public key`);
  const type = key.asymmetricKeyType;
  const jws: JwsAlgorithm | undefined =
    alg !== undefined
      ? ALGORITHMS[alg]
      : type === 'ed25519'
        ? 'EdDSA'
        : type === 'ec'
          ? 'ES256'
          : type === 'rsa' || type === 'rsa-pss'
            ? 'PS512'
            : undefined;
  if (jws === undefined) {
    throw new KeyInputError(
      `${file} is a ${type ?? 'unknown'} key: signing keys are Ed25519, EC P-256 or RSA`,
    );
  }
  const fits = messageSignaturePublicKey(key.export({ type: 'spki', format: 'pem' }), KEY_RULES[jws]);
  if (!(fits instanceof KeyObject)) {
    const message = fits?.message ?? 'does not fit the algorithm';
    throw new KeyInputError(
      `${file} ${alg !== undefined && alg !== KEY_RULES[jws] ? message.replace(KEY_RULES[jws], alg) : message}`,
    );
  }
  return JSON.stringify(publicJwks(key, kid, jws), null, 2);
}

/** Runs `backend-link jwks` and returns its exit code. */
export function jwksCommand(argv: readonly string[], io: Io = processIo): number {
  let file: string;
  let kid: string;
  let alg: string | undefined;
  try {
    const { values } = parseCommandArgs(argv, {
      key: { type: 'string' },
      kid: { type: 'string' },
      alg: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
    });
    if (values.help) {
      io.stdout(`${JWKS_USAGE}\n`);
      return 0;
    }
    if (values.key === undefined) throw new UsageError('--key FILE is required');
    if (values.kid === undefined || values.kid === '') throw new UsageError('--kid KID is required');
    if (!/^[\x20-\x7e]+$/.test(values.kid)) {
      throw new UsageError(`--kid ${JSON.stringify(values.kid)} must be printable ASCII (it is the keyid)`);
    }
    if (values.alg === 'hmac-sha256') {
      throw new UsageError(
        '--alg hmac-sha256: an HMAC key is a shared secret with no public key to publish; share it over a separate channel instead',
      );
    }
    if (values.alg !== undefined && !Object.hasOwn(ALGORITHMS, values.alg)) {
      throw new UsageError(
        `--alg ${JSON.stringify(values.alg)} is not one of ${Object.keys(ALGORITHMS).join(', ')}`,
      );
    }
    ({ key: file, kid, alg } = values as { key: string; kid: string; alg?: string });
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    io.stderr(`backend-link jwks: ${error.message}\n\n${JWKS_USAGE}\n`);
    return 2;
  }
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    io.stderr(`backend-link jwks: can not read ${file}: ${(error as NodeJS.ErrnoException).code ?? error}\n`);
    return 2;
  }
  try {
    io.stdout(`${jwksOf(text, file, kid, alg)}\n`);
    return 0;
  } catch (error) {
    if (!(error instanceof KeyInputError)) throw error;
    io.stderr(`backend-link jwks: ${error.message}\n`);
    return 2;
  }
}
