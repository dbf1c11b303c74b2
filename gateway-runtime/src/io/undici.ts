/**
 * The parts of undici the runtime uses, required one by one: `require('undici')` loads the whole
 * package (fetch, WebSocket, the cache, the mock agent: about 535 KB of the Lambda bundle and 60 ms of
 * its cold start), this only the HTTP/1.1 client, the agent that pools it and the connector; requests
 * go through `dispatch` with the gateway's own handler (sendRequest), not undici's stream-based
 * `request` API. The classes are undici's own (the same modules `undici`'s index exports), so the
 * dispatchers built here work with `undici.request` too; the types come from undici's typings.
 */
import type { Readable } from 'node:stream';
import type * as Undici from 'undici';
import type { AbortSignalLike } from '../core/abort';
import { classifyTransportError } from './transport-errors';
import { ResponseBody, type BodySource } from './response-body';

/* eslint-disable @typescript-eslint/no-require-imports */
export const Agent: typeof Undici.Agent = require('undici/lib/dispatcher/agent');
export const Dispatcher: typeof Undici.Dispatcher = require('undici/lib/dispatcher/dispatcher');
export const buildConnector: typeof Undici.buildConnector = require('undici/lib/core/connect');
const {
  parseHeaders,
}: { parseHeaders(raw: Buffer[]): Record<string, string | string[]> } = require('undici/lib/core/util');
/* eslint-enable @typescript-eslint/no-require-imports */

export type Agent = Undici.Agent;
// eslint-disable-next-line @typescript-eslint/no-namespace
export declare namespace Dispatcher {
  export type HttpMethod = Undici.Dispatcher.HttpMethod;
  export type ResponseData = Undici.Dispatcher.ResponseData;
  export type DispatchOptions = Undici.Dispatcher.DispatchOptions;
  export type DispatchHandler = Undici.Dispatcher.DispatchHandler;
}
export type Dispatcher = Undici.Dispatcher;

export interface SendOptions {
  readonly dispatcher: Undici.Dispatcher;
  /** @default 'GET' */
  readonly method?: string;
  /** Header names in lower case. */
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Buffer | string | Readable | null;
  readonly headersTimeout?: number;
  readonly bodyTimeout?: number;
  /** Aborts the exchange: before the response, the promise rejects with the signal's reason; after, the body fails. */
  readonly signal?: AbortSignalLike;
  /** Response body bytes above which the body fails with ResponseTooLargeError. @default no limit */
  readonly maxBodyBytes?: number;
}

export interface BackendResponse {
  readonly statusCode: number;
  /** Lower-case names; repeated fields as arrays. */
  readonly headers: Record<string, string | string[]>;
  readonly body: ResponseBody;
}

/**
 * One exchange through undici's `dispatch` (the handler API under `undici.request`): the response
 * once its headers are parsed, its body pushed into a ResponseBody as the parser reads it. No stream,
 * no async resource, no abort listener unless a signal is given.
 */
class Exchange implements Undici.Dispatcher.DispatchHandler, BodySource {
  private abortExchange: ((error: Error) => void) | undefined;
  private resumeParser: (() => void) | undefined;
  private reason: Error | undefined;
  private body: ResponseBody | undefined;
  private settled = false;

  constructor(
    private readonly resolve: (response: BackendResponse) => void,
    private readonly reject: (error: unknown) => void,
    private readonly limit: number,
    private readonly signal: AbortSignalLike | undefined,
  ) {
    signal?.addEventListener('abort', this);
  }

  /** The signal's `abort` event (the exchange is its own listener: no closure per request). */
  handleEvent(): void {
    this.abort(this.signal!.reason as Error);
  }

  private done(): void {
    this.settled = true;
    this.signal?.removeEventListener('abort', this);
  }

  onConnect(abort: (error?: Error) => void): void {
    if (this.reason) abort(this.reason);
    else this.abortExchange = abort;
  }

  onHeaders(statusCode: number, rawHeaders: Buffer[], resume: () => void): boolean {
    if (statusCode < 200) return true; // 100 Continue, 103 Early Hints: not the response
    this.resumeParser = resume;
    this.body = new ResponseBody(this, this.limit);
    this.resolve({ statusCode, headers: parseHeaders(rawHeaders), body: this.body });
    return true;
  }

  onData(chunk: Buffer): boolean {
    return this.body!.push(chunk);
  }

  onComplete(): void {
    this.done();
    this.body?.end();
  }

  onError(error: Error): void {
    this.done();
    if (this.body) this.body.fail(classifyTransportError(error));
    else this.reject(error);
  }

  onUpgrade(): void {
    throw new Error('the gateway never upgrades a backend connection');
  }

  // BodySource
  abort(error: Error): void {
    if (this.settled) return;
    if (this.abortExchange) {
      this.abortExchange(error);
    } else {
      // Still queued for a connection: give up now; undici aborts it when it would start.
      this.reason = error;
      this.done();
      this.reject(error);
    }
  }

  resume(): void {
    this.resumeParser?.();
  }
}

/** Sends one request through `dispatcher` (never the global one) and resolves with its response. */
export function sendRequest(url: URL, options: SendOptions): Promise<BackendResponse> {
  return new Promise<BackendResponse>((resolve, reject) => {
    const { signal } = options;
    if (signal?.aborted) return reject(signal.reason as Error);
    const exchange = new Exchange(resolve, reject, options.maxBodyBytes ?? Infinity, signal);
    options.dispatcher.dispatch(
      {
        origin: url.origin,
        path: url.search ? `${url.pathname}${url.search}` : url.pathname,
        method: (options.method ?? 'GET') as Undici.Dispatcher.HttpMethod,
        headers: options.headers ?? {},
        body: options.body ?? null,
        ...(options.headersTimeout !== undefined ? { headersTimeout: options.headersTimeout } : {}),
        ...(options.bodyTimeout !== undefined ? { bodyTimeout: options.bodyTimeout } : {}),
      },
      exchange,
    );
  });
}
