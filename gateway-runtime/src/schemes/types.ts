/**
 * A backend-security scheme is a small object: given the outgoing request it returns the headers to
 * set, and it may ask for one retry after seeing the backend's response (a digest challenge, an OAuth
 * 401). Transport settings (mutual TLS) live in the I/O layer and combine with any scheme.
 */

/** The request as it will be sent to the backend (after header filtering and URL building). */
export interface OutgoingRequest {
  readonly method: string;
  /** The full backend URL. */
  readonly url: URL;
  /** Header names in lower case. */
  readonly headers: Readonly<Record<string, string>>;
  /** The whole body when it was buffered (always for bodies a scheme must hash or may replay); else undefined. */
  readonly body?: Buffer;
}

/** One attempt as it went out: what `authorize` was given, with the headers the scheme added to it. */
export interface SentRequest extends OutgoingRequest {
  /** The request `authorize` was given (the same object on every attempt of one request). */
  readonly prepared: OutgoingRequest;
  /**
   * The object `authorize` returned for this attempt (the very object, so a scheme may key state by
   * it); its headers are also in `headers`, which is what was sent.
   */
  readonly authHeaders: Readonly<Record<string, string>>;
}

/** What a scheme sees of a backend response. Header names in lower case; `www-authenticate` may repeat. */
export interface BackendResponseInfo {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | readonly string[]>>;
}

export interface AuthScheme {
  readonly type: string;
  /**
   * True when the scheme may ask to resend a request, so the proxy must buffer the body (up to
   * `limits.maxReplayBodyBytes`) before the first send.
   */
  readonly mayRetry: boolean;
  /** True when the scheme needs the whole body before sending (e.g. to sign its digest). */
  readonly needsBody: boolean;
  /**
   * The headers (lower case) this scheme sets. The caller's values of them are never forwarded, on any
   * attempt, even when `forwarding.forwardAuthorization` is on and the scheme adds nothing on an
   * attempt (a digest request before a nonce is known).
   */
  readonly headerNames: readonly string[];
  /**
   * Headers (lower-case names) to set on the request, or a promise of them (a scheme whose secrets are
   * at hand may answer at once: one promise chain less per request). Fails (throws, or rejects) with a
   * GatewayError (e.g. 503) when it can not.
   */
  authorize(request: OutgoingRequest): Record<string, string> | Promise<Record<string, string>>;
  /**
   * Called with every backend response, with the request as it was sent (the scheme's headers
   * included). `retry` asks the proxy to send the request once more (it calls `authorize` again
   * first); the proxy allows one retry per request. Absent: never retry.
   */
  onResponse?(
    request: SentRequest,
    response: BackendResponseInfo,
    attempt: number,
  ): Promise<'retry' | 'done'>;
  /** Called instead of `onResponse` when an attempt got no response (transport error, abort). */
  onNoResponse?(request: SentRequest): void;
  /** Releases what the scheme holds (e.g. a connection pool to a token endpoint). Absent: nothing to release. */
  close?(): Promise<void>;
}

/** The context of a scheme that calls out: the timeouts are given. */
export type CallingOutSchemeContext = SchemeContext & {
  readonly timeouts: import('../config/resolve').ResolvedTimeoutsConfig;
};

/** What a scheme factory is given besides its own configuration. */
export interface SchemeContext {
  readonly secrets: import('../secrets/types').SecretResolver;
  /** The clock, in milliseconds (tests replace it). @default Date.now */
  readonly now?: () => number;
  /**
   * The configuration's timeouts (resolved): a scheme that calls out (the OAuth token endpoint) uses
   * them, and its factory requires them (`CallingOutSchemeContext`).
   */
  readonly timeouts?: import('../config/resolve').ResolvedTimeoutsConfig;
  /**
   * Resolves the token endpoint's name (OAuth 2.0).
   * @default - a resolver over `security.tokenEndpointDns` when it is set; else the system resolver
   */
  readonly tokenEndpointResolver?: import('../io/resolver').BackendResolver;
}
