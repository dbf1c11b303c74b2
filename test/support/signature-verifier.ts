import { createHash } from 'node:crypto';
import { parseRequest, ParsedSignature } from 'http-signature';
import type { BackendHandler } from './loopback-backends';

/** The verifier's policy by default: all four default headers must be signed, within a minute of its clock. */
export const DEFAULT_SIGNED_HEADERS = ['(request-target)', 'host', 'date', 'digest'];

/**
 * A backend handler that checks draft-cavage signatures with joyent's `http-signature` (an implementation
 * independent of ours) and the body against its `Digest` header. It answers 200 when both hold, else 401,
 * with its verdict and what it received as JSON.
 */
export function signatureVerifier(
  verify: (parsed: ParsedSignature) => boolean,
  requiredHeaders: string[] = DEFAULT_SIGNED_HEADERS,
): BackendHandler {
  return (req, res, body) => {
    let verdict: Record<string, unknown>;
    try {
      const parsed = parseRequest(req, { clockSkew: 60, headers: requiredHeaders });
      verdict = {
        verified: verify(parsed),
        keyId: parsed.keyId,
        algorithm: parsed.algorithm,
        signedHeaders: parsed.params.headers,
        digestMatchesBody:
          req.headers.digest === `SHA-256=${createHash('sha256').update(body).digest('base64')}`,
      };
    } catch (error) {
      verdict = { verified: false, error: (error as Error).message };
    }
    const ok = verdict.verified === true && verdict.digestMatchesBody === true;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify({
        ...verdict,
        url: req.url,
        contentType: req.headers['content-type'],
        body: body.toString('utf8'),
      }),
    );
  };
}
