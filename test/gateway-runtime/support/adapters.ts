/**
 * The two runtime adapters behind one small interface, so a scenario runs unchanged through the Lambda
 * handler (ALB events, single- or multi-value mode) and through the standalone server (a real HTTP
 * client on loopback). Every line either adapter logs goes to the caller's sink.
 */
import { AlbResult, createLambdaHandler } from '../../../gateway-runtime/src/adapters/lambda';
import { startServer } from '../../../gateway-runtime/src/adapters/server';
import type { GatewayConfig } from '../../../gateway-runtime/src/config/types';
import type { LineSink } from '../../../gateway-runtime/src/observability/log';
import { albEvent, httpCall } from '../fixtures/harness';

export interface AdapterCall {
  readonly method?: string;
  readonly path: string;
  readonly query?: Record<string, string>;
  readonly headers?: Record<string, string>;
  readonly body?: string;
}

/** An answer as the caller sees it, whatever the adapter: header names in lower case, body as text. */
export interface AdapterAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

export interface RunningAdapter {
  call(request: AdapterCall): Promise<AdapterAnswer>;
  stop(): Promise<void>;
}

export interface AdapterUnderTest {
  /** For test names: "Lambda (single-value)", "Lambda (multi-value)", "standalone server". */
  readonly name: string;
  start(config: GatewayConfig, logSink: LineSink): Promise<RunningAdapter>;
}

function fromAlbResult(result: AlbResult): AdapterAnswer {
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(result.headers ?? {})) headers[name.toLowerCase()] = value;
  for (const [name, values] of Object.entries(result.multiValueHeaders ?? {})) {
    headers[name.toLowerCase()] = values.join(', ');
  }
  const text = result.isBase64Encoded ? Buffer.from(result.body, 'base64').toString('utf8') : result.body;
  return { status: result.statusCode, headers, text };
}

function lambdaAdapter(multiValue: boolean): AdapterUnderTest {
  return {
    name: `Lambda (${multiValue ? 'multi' : 'single'}-value)`,
    async start(config, logSink) {
      const handler = createLambdaHandler({ configJson: JSON.stringify(config), deps: { logSink } });
      return {
        async call(request) {
          const result = await handler(albEvent({ ...request, multiValue }));
          // The answer comes back in the mode the event was sent in.
          if (multiValue ? result.headers !== undefined : result.multiValueHeaders !== undefined) {
            throw new Error(
              `the Lambda handler answered a ${multiValue ? 'multi' : 'single'}-value event in the other mode`,
            );
          }
          return fromAlbResult(result);
        },
        // The handler owns its gateway for the life of the (simulated) execution environment: nothing to close.
        stop: async () => undefined,
      };
    },
  };
}

const standaloneServer: AdapterUnderTest = {
  name: 'standalone server',
  async start(config, logSink) {
    const server = await startServer(config, { host: '127.0.0.1', port: 0, deps: { logSink } });
    return {
      async call(request) {
        const query = request.query ? `?${new URLSearchParams(request.query).toString()}` : '';
        const response = await httpCall(`http://127.0.0.1:${server.port}${request.path}${query}`, {
          method: request.method ?? 'GET',
          headers: request.headers ?? {},
          ...(request.body !== undefined ? { body: request.body } : {}),
        });
        const headers: Record<string, string> = {};
        for (const [name, value] of Object.entries(response.headers)) {
          if (value !== undefined)
            headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : value;
        }
        return { status: response.status, headers, text: response.text };
      },
      stop: () => server.shutdown(),
    };
  },
};

/** Both adapters, the Lambda handler in both event modes. */
export const ADAPTERS: readonly AdapterUnderTest[] = [
  lambdaAdapter(false),
  lambdaAdapter(true),
  standaloneServer,
];
