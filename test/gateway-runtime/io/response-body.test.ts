import {
  ClientAbortedError,
  BackendTimeoutError,
  ResponseTooLargeError,
} from '../../../gateway-runtime/src/core/errors';
import { BodySink, DUMP_LIMIT_BYTES, ResponseBody } from '../../../gateway-runtime/src/io/response-body';

/** A source that records what the body asked of it. */
function source() {
  const calls = { aborted: [] as Error[], resumed: 0 };
  return {
    calls,
    abort: (error: Error) => calls.aborted.push(error),
    resume: () => (calls.resumed += 1),
  };
}

/** A sink that records what it got; `accept` decides what write returns. */
function sink(accept: () => boolean = () => true) {
  const got = { chunks: [] as string[], ended: 0, errors: [] as Error[] };
  const s: BodySink = {
    write: (chunk) => {
      got.chunks.push(chunk.toString());
      return accept();
    },
    end: () => (got.ended += 1),
    error: (error) => got.errors.push(error),
  };
  return { got, s };
}

describe('ResponseBody', () => {
  test('GIVEN chunks that arrived before a consumer WHEN it pipes THEN it gets them in order, then the end', () => {
    const src = source();
    const body = new ResponseBody(src, 100);
    expect(body.push(Buffer.from('a'))).toBe(true);
    expect(body.push(Buffer.from('b'))).toBe(true);
    body.end();
    const { got, s } = sink();
    body.pipeTo(s);
    expect(got).toEqual({ chunks: ['a', 'b'], ended: 1, errors: [] });
    expect(src.calls.aborted).toEqual([]);
  });

  test('GIVEN a sink that is full WHEN a chunk is refused THEN the parser is paused until resume()', () => {
    const src = source();
    const body = new ResponseBody(src, 100);
    let room = false;
    const { got, s } = sink(() => room);
    body.pipeTo(s);
    expect(body.push(Buffer.from('a'))).toBe(false); // refused: undici pauses the socket
    expect(src.calls.resumed).toBe(0);
    room = true;
    body.resume();
    expect(src.calls.resumed).toBe(1);
    body.resume(); // not paused any more: no second resume
    expect(src.calls.resumed).toBe(1);
    expect(body.push(Buffer.from('b'))).toBe(true);
    body.end();
    expect(got).toEqual({ chunks: ['a', 'b'], ended: 1, errors: [] });
  });

  test('GIVEN many chunks and no consumer yet WHEN they pile up THEN the parser is paused (held chunks are bounded)', () => {
    const src = source();
    const body = new ResponseBody(src, 1_000_000);
    const answers = Array.from({ length: 20 }, () => body.push(Buffer.from('x')));
    expect(answers.indexOf(false)).toBe(15); // the 16th chunk pauses
    const { got, s } = sink();
    body.pipeTo(s);
    expect(got.chunks).toHaveLength(20);
    expect(src.calls.resumed).toBe(1); // the consumer took them all: the parser goes on
  });

  test('fails when the body goes over its cap: ResponseTooLargeError to the sink, and the exchange is aborted', () => {
    const src = source();
    const body = new ResponseBody(src, 5);
    const { got, s } = sink();
    body.pipeTo(s);
    expect(body.push(Buffer.from('abc'))).toBe(true);
    expect(body.push(Buffer.from('def'))).toBe(false);
    expect(got.chunks).toEqual(['abc']);
    expect(got.errors).toHaveLength(1);
    expect(got.errors[0]).toBeInstanceOf(ResponseTooLargeError);
    expect(src.calls.aborted[0]).toBe(got.errors[0]);
    body.end(); // a late end changes nothing
    expect(got.ended).toBe(0);
  });

  test('GIVEN a failure before a consumer WHEN it pipes THEN it gets the typed error and no chunk', () => {
    const body = new ResponseBody(source(), 100);
    body.push(Buffer.from('partial'));
    body.fail(new BackendTimeoutError('backend timed out (UND_ERR_BODY_TIMEOUT)'));
    const { got, s } = sink();
    body.pipeTo(s);
    expect(got.chunks).toEqual([]);
    expect(got.errors[0]).toBeInstanceOf(BackendTimeoutError);
  });

  test('GIVEN a consumer that gives up WHEN destroy() THEN the exchange is aborted and iteration fails CLIENT_ABORTED', async () => {
    const src = source();
    const body = new ResponseBody(src, 100);
    body.destroy();
    expect(src.calls.aborted).toHaveLength(1);
    await expect(body.bytesAll()).rejects.toBeInstanceOf(ClientAbortedError);
  });

  test('GIVEN for await WHEN chunks arrive later THEN they are yielded and the loop ends with the body', async () => {
    const body = new ResponseBody(source(), 100);
    const read = body.bytesAll();
    setImmediate(() => {
      body.push(Buffer.from('late '));
      setImmediate(() => {
        body.push(Buffer.from('chunks'));
        body.end();
      });
    });
    expect((await read).toString()).toBe('late chunks');
  });

  test('GIVEN a loop that breaks early WHEN it leaves THEN the rest is given up (the exchange is aborted)', async () => {
    const src = source();
    const body = new ResponseBody(src, 100);
    body.push(Buffer.from('first'));
    for await (const chunk of body) {
      expect(chunk.toString()).toBe('first');
      break;
    }
    expect(src.calls.aborted).toHaveLength(1);
  });

  test('GIVEN a retry WHEN the refused body is dumped THEN a small one is read to its end (the connection stays)', async () => {
    const src = source();
    const body = new ResponseBody(src, Infinity);
    const dumped = body.dump();
    body.push(Buffer.alloc(1000));
    body.end();
    await dumped;
    expect(src.calls.aborted).toEqual([]);
  });

  test('GIVEN a retry WHEN the refused body is larger than the dump limit THEN the exchange is given up instead', async () => {
    const src = source();
    const body = new ResponseBody(src, Infinity);
    const dumped = body.dump();
    body.push(Buffer.alloc(DUMP_LIMIT_BYTES));
    body.push(Buffer.alloc(1));
    await dumped;
    expect(src.calls.aborted).toHaveLength(1);
  });

  test('fails when consumed twice', () => {
    const body = new ResponseBody(source(), 100);
    body.pipeTo(sink().s);
    expect(() => body.pipeTo(sink().s)).toThrow('a response body can be consumed once');
  });
});
