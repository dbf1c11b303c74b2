/**
 * The handoff of a customer whose backend is called with RFC 9421 message signatures, from the handoff
 * output of a synthesized link: the parameters, the JWKS of the public key, and the exact Signature-Input
 * the backend receives. Checked against the scheme itself: the header line the document shows is the
 * one the runtime sends at that second, and a request the runtime signs verifies with the
 * `http-message-signatures` package holding only the key read from the document's JWKS.
 */
import { createPublicKey, generateKeyPairSync, JsonWebKey } from 'node:crypto';
import { createVerifier, httpbis } from 'http-message-signatures';
import { Testing } from 'cdktf';
import type { SecretRef } from '../../../gateway-runtime/src/config/types';
import { createMessageSignatureScheme } from '../../../gateway-runtime/src/schemes/message-signature';
import { CustomerBackendLink } from '../../../lib/customer-backend-link';
import { outputsFromTerraform } from '../../../lib/handoff/outputs';
import { renderHandoff } from '../../../lib/handoff/render';
import { BackendSecurity } from '../../../lib/runtime/backend-security';
import { SecretSource } from '../../../lib/secrets/secret-source';
import { MapSecrets } from '../../gateway-runtime/schemes/support/map-secrets';
import { testStack } from '../../support/constructs';
import { securityLinkIn } from '../runtime/security-link';

const pair = generateKeyPairSync('ed25519');
const PRIVATE_PEM = pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString();
const PUBLIC_PEM = pair.publicKey.export({ type: 'spki', format: 'pem' }).toString();
/** The second the document's example is signed at (2026-01-01T00:00:00Z). */
const EXAMPLE_CREATED = 1_767_225_600;

function handoffOf(security: BackendSecurity): { doc: string; link: CustomerBackendLink } {
  const stack = testStack();
  const link = securityLinkIn(stack, security, 'https://ledger.acme.internal/api');
  const json = JSON.parse(Testing.synth(stack, true)) as { output: Record<string, { value: unknown }> };
  return { doc: renderHandoff('acme', outputsFromTerraform(json.output)), link };
}

/** The runtime's scheme of the link's configuration, its key the private PEM, its clock at `seconds`. */
function schemeOf(link: CustomerBackendLink, seconds?: number) {
  const security = link.runtimeConfig.security;
  if (security.type !== 'message-signature') throw new Error(security.type);
  return createMessageSignatureScheme(security, {
    secrets: new MapSecrets().set(security.key as SecretRef, PRIVATE_PEM),
    ...(seconds !== undefined ? { now: () => seconds * 1000 } : {}),
  });
}

const ORDER = Buffer.from(JSON.stringify({ entry: 'L-7', amount: '12.50' }));
const request = () => ({
  method: 'POST',
  url: new URL('https://ledger.acme.internal/api/entries'),
  headers: { 'content-type': 'application/json' },
  body: ORDER,
});

describe('handoff document: RFC 9421 message signatures', () => {
  const { doc, link } = handoffOf(
    BackendSecurity.messageSignature({
      keyId: 'gateway-2026',
      key: SecretSource.fillAfterDeploy(),
      publicKey: PUBLIC_PEM,
      tag: 'acme-ledger',
    }),
  );

  test('THEN it names the scheme and every parameter a verifier checks', () => {
    expect(doc).toContain('Scheme: **HTTP Message Signatures (RFC 9421)**.');
    for (const row of [
      '| label | `sig1` |',
      '| keyid | `gateway-2026` |',
      '| algorithm | `ed25519` (JWS `EdDSA`) |',
      '| created / expires | `expires` = `created` + 300 s |',
      '| tag | `acme-ledger` |',
      '| Content-Digest | `sha-256=:<base64>:` (RFC 9530) of the body as sent |',
    ]) {
      expect(doc).toContain(row);
    }
    expect(doc).toMatch(/Reject a signature whose `expires` has passed or whose `created` is in the future/);
    expect(doc).toMatch(/compute the sha-256 of the body you received and compare it with Content-Digest/);
    expect(doc).toContain('`@authority` is `ledger.acme.internal`, the host the gateway calls');
    expect(doc).not.toContain('PRIVATE KEY');
  });

  test('THEN the Signature-Input it shows is the one the runtime sends at that second', async () => {
    const shown = /^Signature-Input: (.*)$/m.exec(doc)?.[1];
    const sent = await schemeOf(link, EXAMPLE_CREATED).authorize(request());
    expect(shown).toBe(sent['signature-input']);
    expect(doc).toMatch(/^Content-Digest: sha-256=:<base64 of the sha-256 of the body>:$/m);
    expect(doc).toMatch(/^Signature: sig1=:<base64 of the signature>:$/m);
  });

  test('THEN a request the runtime signs verifies with the key read from the document’s JWKS, by http-message-signatures', async () => {
    const jwks = JSON.parse(/```json\n([\s\S]*?)\n```/.exec(doc)![1]) as {
      keys: (JsonWebKey & { kid: string })[];
    };
    expect(jwks.keys.map((k) => k.kid)).toEqual(['gateway-2026']);
    const publicKey = createPublicKey({ key: jwks.keys[0], format: 'jwk' });
    const added = await schemeOf(link).authorize(request());
    const verify = (headers: Record<string, string>) =>
      httpbis.verifyMessage(
        {
          keyLookup: async (params) =>
            params.keyid === 'gateway-2026'
              ? { id: 'gateway-2026', algs: ['ed25519'], verify: createVerifier(publicKey, 'ed25519') }
              : null,
          requiredParams: ['created', 'expires', 'keyid', 'tag'],
          requiredFields: ['@method', '@authority', '@path', 'content-digest'],
          tolerance: 5,
        },
        { method: 'POST', url: 'https://ledger.acme.internal/api/entries', headers },
      );
    const headers = { 'content-type': 'application/json', ...added };
    await expect(verify(headers)).resolves.toBe(true);
    // The same headers on another path: the signature does not verify.
    const other = httpbis.verifyMessage(
      {
        keyLookup: async () => ({
          id: 'gateway-2026',
          algs: ['ed25519'],
          verify: createVerifier(publicKey, 'ed25519'),
        }),
      },
      { method: 'POST', url: 'https://ledger.acme.internal/api/other', headers },
    );
    await expect(other).resolves.toBe(false);
  });

  test('GIVEN no publicKey THEN the document gives the command that prints the JWKS from the private key', () => {
    const { doc: without } = handoffOf(
      BackendSecurity.messageSignature({
        keyId: 'gateway-2026',
        key: SecretSource.fillAfterDeploy(),
        algorithm: 'ecdsa-p256-sha256',
      }),
    );
    expect(without).toContain(
      'npx backend-link jwks --key signing-key.pem --kid "gateway-2026" --alg ecdsa-p256-sha256',
    );
    expect(without).not.toContain('```json');
  });

  test('GIVEN hmac-sha256 and a configured list THEN the shared secret is exchanged elsewhere, the list shown as signed', async () => {
    const { doc: hmac, link: hmacLink } = handoffOf(
      BackendSecurity.messageSignature({
        keyId: 'shared-1',
        key: SecretSource.fillAfterDeploy(),
        algorithm: 'hmac-sha256',
        components: ['@method', '@path', '@query-param;name="id"', 'content-digest'],
        validitySeconds: 0,
        nonce: true,
      }),
    );
    expect(hmac).toContain('The HMAC key is shared (32 bytes or more)');
    expect(hmac).toContain('| covered components | `@method @path @query-param;name="id" content-digest` |');
    expect(hmac).toContain('| created / expires | `created` only (no `expires`) |');
    expect(hmac).toContain('Keep the nonces seen within the validity window and refuse a repeated one.');
    const shown = /^Signature-Input: (.*)$/m.exec(hmac)![1];
    const security = hmacLink.runtimeConfig.security as { key: SecretRef };
    const scheme = createMessageSignatureScheme(hmacLink.runtimeConfig.security as never, {
      secrets: new MapSecrets().set(security.key, 'x'.repeat(32)),
      now: () => EXAMPLE_CREATED * 1000,
    });
    const sent = await scheme.authorize({
      ...request(),
      url: new URL('https://ledger.acme.internal/api/e?id=7'),
    });
    // The nonce is random: the document shows where it goes.
    expect(shown).toBe(sent['signature-input'].replace(/;nonce="[^"]+"/, ';nonce="<random>"'));
  });
});
