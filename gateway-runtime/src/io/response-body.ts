/**
 * A backend response body as the gateway hands it on: the chunks undici's parser delivers, pushed
 * straight into whoever consumes them (the standalone server's response, or a buffer for the Lambda),
 * with backpressure, a size cap and the failure typed. It replaces a Readable, an async iterator and a
 * counting Transform per response: the hot path of every proxied request.
 *
 * Before a consumer attaches, chunks are held (a small response usually arrives whole in the same
 * parser run as its headers). A consumer either pipes (`pipeTo`, push with backpressure) or iterates
 * (`for await`). `destroy()` gives the body up: the backend exchange is aborted, so its connection is
 * closed (reset, see io/socket-guard) rather than reused half-read.
 */
import { ClientAbortedError, GatewayError, ResponseTooLargeError } from '../core/errors';

export interface BodySink {
  /** One chunk. Return false when full: the body pauses until `ResponseBody.resume()` is called. */
  write(chunk: Buffer): boolean;
  /** The body is complete. */
  end(): void;
  /** The body failed (backend fault, timeout, above the cap); nothing more comes. */
  error(error: GatewayError): void;
}

/** What a body needs of the exchange that fills it. */
export interface BodySource {
  /** Gives the exchange up (the body is not wanted, or went over the cap). */
  abort(error: Error): void;
  /** Lets the parser go on after a chunk was refused (undici's `resume`). */
  resume(): void;
}

/** The most of a body read (and dropped) to keep its connection for a retry; beyond, the connection goes. */
export const DUMP_LIMIT_BYTES = 128 * 1024;

export class ResponseBody implements AsyncIterable<Buffer> {
  private held: Buffer[] = [];
  private ended = false;
  private failure: GatewayError | undefined;
  private sink: BodySink | undefined;
  private bytes = 0;
  /** The source refused to go on (a chunk was refused) and waits for `resume()`. */
  private paused = false;
  private wake: (() => void) | undefined;

  /**
   * @param source the exchange that fills the body
   * @param limit bytes above which the body fails with ResponseTooLargeError
   */
  constructor(
    private readonly source: BodySource,
    private readonly limit: number,
  ) {}

  /** True once the body ended, failed or was destroyed. */
  get finished(): boolean {
    return this.ended || this.failure !== undefined;
  }

  // ---- the producer side (the dispatch handler) ----

  /** A chunk from the parser; false asks the parser to pause. */
  push(chunk: Buffer): boolean {
    if (this.finished) return false;
    this.bytes += chunk.byteLength;
    if (this.bytes > this.limit) {
      const error = new ResponseTooLargeError(`backend response above ${this.limit} bytes`);
      this.fail(error);
      this.source.abort(error);
      return false;
    }
    if (this.sink) {
      if (this.sink.write(chunk)) return true;
      this.paused = true;
      return false;
    }
    this.held.push(chunk);
    this.wake?.();
    // Held chunks are bounded by the parser's pace: pause once a few are waiting for a consumer.
    if (this.held.length >= 16) {
      this.paused = true;
      return false;
    }
    return true;
  }

  end(): void {
    if (this.finished) return;
    this.ended = true;
    this.sink?.end();
    this.wake?.();
  }

  fail(error: GatewayError): void {
    if (this.finished) return;
    this.failure = error;
    this.held = [];
    this.sink?.error(error);
    this.wake?.();
  }

  // ---- the consumer side ----

  /** Pushes every chunk into `sink` (held ones first, at once), with backpressure. */
  pipeTo(sink: BodySink): void {
    if (this.sink) throw new Error('a response body can be consumed once');
    this.sink = sink;
    const held = this.held;
    this.held = [];
    let full = false;
    for (const chunk of held) {
      if (this.failure) return; // the sink's write destroyed the body
      if (!sink.write(chunk)) full = true;
    }
    if (this.failure) sink.error(this.failure);
    else if (this.ended) sink.end();
    else if (full)
      this.paused = true; // the sink resumes on its drain
    else this.resume(); // the parser paused for held chunks: they are taken, go on
  }

  /** After a sink's `write` returned false: go on. */
  resume(): void {
    if (!this.paused || this.finished) return;
    this.paused = false;
    this.source.resume();
  }

  /** Gives the body up: the exchange is aborted (with `error`, or a plain abort). */
  destroy(error?: Error): void {
    if (this.finished) return;
    const reason = error ?? new Error('response body not wanted');
    // Only its consumer destroys a body, when it does not want the rest: its caller's side gave up.
    this.failure =
      error instanceof GatewayError
        ? error
        : new ClientAbortedError('response body given up', { cause: reason });
    this.held = [];
    this.wake?.();
    this.source.abort(reason);
  }

  /**
   * Reads what is left and drops it, so the connection can carry the next request (a retry); past
   * {@link DUMP_LIMIT_BYTES}, or on failure, the exchange is given up instead. Never rejects.
   */
  async dump(): Promise<void> {
    if (this.finished) return;
    let dropped = 0;
    await new Promise<void>((resolve) => {
      this.pipeTo({
        write: (chunk) => {
          dropped += chunk.byteLength;
          if (dropped > DUMP_LIMIT_BYTES) {
            this.destroy();
            resolve();
          }
          return true;
        },
        end: () => resolve(),
        error: () => resolve(),
      });
    });
  }

  /** The whole body (above the cap: ResponseTooLargeError; a failure: its typed error). */
  async bytesAll(): Promise<Buffer> {
    const chunks: Buffer[] = [];
    for await (const chunk of this) chunks.push(chunk);
    return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks);
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Buffer> {
    if (this.sink) throw new Error('a response body can be consumed once');
    let completed = false;
    try {
      for (;;) {
        if (this.failure) throw this.failure;
        if (this.held.length > 0) {
          const chunks = this.held;
          this.held = [];
          yield* chunks;
          continue;
        }
        if (this.ended) {
          completed = true;
          return;
        }
        if (this.paused) {
          this.paused = false;
          this.source.resume();
        }
        await new Promise<void>((resolve) => (this.wake = resolve));
        this.wake = undefined;
      }
    } finally {
      // A consumer that stopped early (break, a throw in its loop) gives the rest up.
      if (!completed && !this.finished) this.destroy();
    }
  }
}
