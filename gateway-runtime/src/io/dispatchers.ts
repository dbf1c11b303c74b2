import { Agent, Dispatcher } from 'undici';
import {
  DEFAULT_BODY_TIMEOUT_MS,
  DEFAULT_CONNECT_TIMEOUT_MS,
  DEFAULT_HEADERS_TIMEOUT_MS,
} from '../config/defaults';
import type { GatewayConfig } from '../config/types';
import type { SecretResolver } from '../secrets/types';

/** The connection pool(s) towards one customer's backend. */
export interface BackendDispatchers {
  /**
   * The dispatcher to send the next request with. It changes when the TLS material's secret versions
   * change (rotation); the previous one then drains and closes.
   */
  get(): Promise<Dispatcher>;
  /** Days until the client certificate expires, when mutual TLS is configured. */
  clientCertificateDaysToExpiry(): number | undefined;
  close(): Promise<void>;
}

/**
 * Keep-alive dispatcher with explicit timeouts. (TLS material — CA bundle, client certificate,
 * servername, pinning, rotation — is added by the mutual TLS work.)
 */
export function createBackendDispatchers(
  config: GatewayConfig,
  _secrets: SecretResolver,
): BackendDispatchers {
  const agent = new Agent({
    connect: { timeout: config.timeouts?.connectMs ?? DEFAULT_CONNECT_TIMEOUT_MS },
    headersTimeout: config.timeouts?.headersMs ?? DEFAULT_HEADERS_TIMEOUT_MS,
    bodyTimeout: config.timeouts?.bodyMs ?? DEFAULT_BODY_TIMEOUT_MS,
  });
  return {
    get: async () => agent,
    clientCertificateDaysToExpiry: () => undefined,
    close: () => agent.close(),
  };
}
