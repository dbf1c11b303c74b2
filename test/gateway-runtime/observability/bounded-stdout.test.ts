import { Writable } from 'node:stream';
import { boundedStdoutWriter } from '../../../gateway-runtime/src/observability/bounded-stdout';

/** A stream whose reader takes nothing until `release()`: what a stalled log shipper is to stdout. */
function stalledStream(): { stream: Writable; written: () => string; release: () => void } {
  const chunks: string[] = [];
  let stalled = true;
  const waiting: Array<() => void> = [];
  const stream = new Writable({
    highWaterMark: 1024,
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk.toString());
      if (stalled) waiting.push(() => callback());
      else callback();
    },
  });
  return {
    stream,
    written: () => chunks.join(''),
    release: () => {
      stalled = false;
      for (const done of waiting.splice(0)) done();
    },
  };
}

const line = (i: number) => `${JSON.stringify({ msg: 'request proxied', i, pad: 'x'.repeat(200) })}\n`;

describe('boundedStdoutWriter', () => {
  test('GIVEN a reader that keeps up THEN every chunk is written, and no notice', async () => {
    const { stream, written, release } = stalledStream();
    release();
    const write = boundedStdoutWriter({ stream, maxPendingBytes: 4096 });
    for (let i = 0; i < 100; i++) write(line(i));
    await new Promise((resolve) => setImmediate(resolve));
    const lines = written().trim().split('\n');
    expect(lines).toHaveLength(100);
    expect(lines.some((l) => l.includes('dropped'))).toBe(false);
  });

  test('GIVEN a stalled reader THEN memory held stays near the bound, the rest is dropped and counted, and one notice follows the drain', async () => {
    const { stream, written, release } = stalledStream();
    const max = 4096;
    const write = boundedStdoutWriter({ stream, maxPendingBytes: max, name: 'acme' });
    const total = 1000;
    let pendingPeak = 0;
    for (let i = 0; i < total; i++) {
      // A chunk of two lines now and then: the count is of lines, not of writes.
      write(i % 10 === 0 ? line(i) + line(-i) : line(i));
      pendingPeak = Math.max(pendingPeak, stream.writableLength);
    }
    // Held: at most the bound plus the one chunk that crossed it.
    expect(pendingPeak).toBeLessThanOrEqual(max + 2 * line(total).length);

    release();
    await new Promise((resolve) => setImmediate(resolve));
    const lines = written()
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    const notices = lines.filter((l) => l.msg === 'log lines dropped: stdout was not read in time');
    expect(notices).toHaveLength(1);
    const kept = lines.filter((l) => l.msg === 'request proxied');
    const sentLines = total + total / 10;
    expect(notices[0]).toMatchObject({ level: 'warn', name: 'acme', droppedLines: sentLines - kept.length });
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.length).toBeLessThan(sentLines);
    // The notice is the last line: it follows what was kept.
    expect(lines[lines.length - 1]).toBe(notices[0]);

    // Caught up: writing goes on, with no further notice.
    write(line(total));
    await new Promise((resolve) => setImmediate(resolve));
    expect(written().trim().split('\n').pop()).toBe(line(total).trim());
  });
});
