/**
 * The parts of undici the runtime uses, required one by one: `require('undici')` loads the whole
 * package (fetch, WebSocket, the cache, the mock agent: about 535 KB of the Lambda bundle and 60 ms of
 * its cold start), this only the HTTP/1.1 client, the agent that pools it, the connector and the
 * `request` API. The classes are undici's own (the same modules `undici`'s index exports), so the
 * dispatchers built here work with `undici.request` too; the types come from undici's typings.
 */
import type * as Undici from 'undici';

/* eslint-disable @typescript-eslint/no-require-imports */
export const Agent: typeof Undici.Agent = require('undici/lib/dispatcher/agent');
export const Dispatcher: typeof Undici.Dispatcher = require('undici/lib/dispatcher/dispatcher');
export const buildConnector: typeof Undici.buildConnector = require('undici/lib/core/connect');
const apiRequest: (
  this: Undici.Dispatcher,
  options: Undici.Dispatcher.RequestOptions,
) => Promise<Undici.Dispatcher.ResponseData> = require('undici/lib/api/api-request');
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

export type RequestOptions = Omit<Undici.Dispatcher.RequestOptions, 'origin' | 'path' | 'method'> & {
  readonly dispatcher: Undici.Dispatcher;
  readonly method?: Undici.Dispatcher.HttpMethod;
};

/**
 * `undici.request(url, options)` with an explicit dispatcher (never the global one): the URL's origin,
 * its path and query, and the method (GET by default).
 */
export function request(url: string | URL, options: RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  const target = typeof url === 'string' ? new URL(url) : url;
  const { dispatcher, ...rest } = options;
  return apiRequest.call(dispatcher, {
    ...rest,
    origin: target.origin,
    path: target.search ? `${target.pathname}${target.search}` : target.pathname,
    method: options.method ?? 'GET',
  });
}
