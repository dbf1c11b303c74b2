/**
 * The standalone server's stdout, bounded. Node keeps whatever a slow reader has not taken yet (a pipe to a
 * stalled log shipper, a journald under rate limiting) in the process's memory, without a limit: a proxy that
 * logs two lines per request would grow until the kernel kills it. Past `maxPendingBytes` not yet written,
 * whole chunks (of whole lines) are dropped and counted instead; once stdout has drained, one line says how
 * many were dropped. Logs are never what stops the proxy. The Lambda adapter does not use this: the Lambda
 * runtime reads its stdout.
 */
import type { Writable } from 'node:stream';

/** Unwritten bytes stdout may hold before log lines are dropped (the flood of a minute at full speed). */
export const STDOUT_MAX_PENDING_BYTES = 64 * 1024 * 1024;

/** The count of dropped lines, reported once the reader caught up. */
export interface DroppedLines {
  readonly lines: number;
  readonly bytes: number;
}

/** The line that reports dropped lines (JSON, like every other line on stdout). */
export function droppedLinesNotice(dropped: DroppedLines, name?: string, now = new Date()): string {
  return `${JSON.stringify({
    time: now.toISOString(),
    level: 'warn',
    msg: 'log lines dropped: stdout was not read in time',
    ...(name !== undefined ? { name } : {}),
    pid: process.pid,
    droppedLines: dropped.lines,
    droppedBytes: dropped.bytes,
  })}\n`;
}

/**
 * A writer of whole-line chunks to `stream` (default stdout) that drops chunks while the stream holds more than
 * `maxPendingBytes` unwritten, and writes {@link droppedLinesNotice} after the next `drain`.
 */
export function boundedStdoutWriter(
  options: { readonly maxPendingBytes?: number; readonly stream?: Writable; readonly name?: string } = {},
): (chunk: string) => void {
  const stream = options.stream ?? process.stdout;
  const max = options.maxPendingBytes ?? STDOUT_MAX_PENDING_BYTES;
  let dropped = { lines: 0, bytes: 0 };
  let waiting = false;
  const report = () => {
    waiting = false;
    if (dropped.lines === 0 && dropped.bytes === 0) return;
    const notice = droppedLinesNotice(dropped, options.name);
    dropped = { lines: 0, bytes: 0 };
    stream.write(notice);
  };
  return (chunk) => {
    if (stream.writableLength > max) {
      let lines = 0;
      for (let i = chunk.indexOf('\n'); i !== -1; i = chunk.indexOf('\n', i + 1)) lines++;
      dropped = { lines: dropped.lines + lines, bytes: dropped.bytes + Buffer.byteLength(chunk) };
      if (!waiting) {
        waiting = true;
        stream.once('drain', report);
      }
      return;
    }
    stream.write(chunk);
  };
}
