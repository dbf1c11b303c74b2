/**
 * What the Lambda bundle gets for `node:http2` (esbuild `alias`, see scripts/build-runtime.ts): loading
 * Node's HTTP/2 module costs milliseconds of every cold start, and the gateway never speaks HTTP/2
 * (undici offers only `http/1.1` in ALPN unless `allowH2` is set, which the runtime never sets).
 * undici requires it inside a try/catch and runs without HTTP/2 when it fails, as here.
 */
throw new Error('node:http2 is left out of the gateway runtime bundle');
export {};
