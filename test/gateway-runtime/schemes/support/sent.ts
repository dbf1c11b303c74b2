import type { AuthScheme, OutgoingRequest, SentRequest } from '../../../../gateway-runtime/src/schemes/types';

/** The request as the proxy hands it to `onResponse`: with the very headers object `authorize` returned. */
export function sentRequest(request: OutgoingRequest, authHeaders: Record<string, string>): SentRequest {
  return { ...request, headers: { ...request.headers, ...authHeaders }, prepared: request, authHeaders };
}

/**
 * A scheme whose `onResponse(request, …)` takes the prepared request, like the tests write it, and
 * hands the scheme what the proxy would: the last attempt of that request as it was sent.
 */
export function tracked<S extends AuthScheme>(
  scheme: S,
): Omit<S, 'onResponse'> & {
  onResponse(
    request: OutgoingRequest,
    response: Parameters<NonNullable<S['onResponse']>>[1],
    attempt: number,
  ): Promise<'retry' | 'done'>;
  lastSent(request: OutgoingRequest): SentRequest;
} {
  const last = new Map<OutgoingRequest, Record<string, string>>();
  const lastSent = (request: OutgoingRequest) => sentRequest(request, last.get(request) ?? {});
  return Object.assign(Object.create(scheme) as S, {
    async authorize(request: OutgoingRequest) {
      const headers = await scheme.authorize(request);
      last.set(request, headers);
      return headers;
    },
    onResponse: (
      request: OutgoingRequest,
      response: Parameters<NonNullable<S['onResponse']>>[1],
      attempt: number,
    ) => scheme.onResponse!(lastSent(request), response, attempt),
    lastSent,
  });
}
