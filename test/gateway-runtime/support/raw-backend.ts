/**
 * A backend that reports how each connection ended, written against the socket API (Python's, not
 * Node's: libuv reports a reset that arrives with unread data as a plain end of stream). For every
 * connection it records the bytes received, whether a chunked body was terminated (`0\r\n\r\n`) and
 * whether the peer closed with FIN (`"fin"`) or RST (`"reset"`). It answers only `GET /answer`
 * (200, keep-alive with `Keep-Alive: timeout=3`); any other request is judged only by how the gateway
 * ends it.
 */
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { startProcess, TestProcess } from '../../support/processes';
import { requireTool } from '../../support/tools';

export interface ConnectionReport {
  /** The request line received first (e.g. `POST /upload HTTP/1.1`), or "" for none. */
  readonly requestLine: string;
  readonly bytes: number;
  readonly terminated: boolean;
  readonly end: 'fin' | 'reset';
}

export interface RawBackend {
  readonly baseUrl: string;
  readonly connections: ConnectionReport[];
  /** Waits until the connection whose first request is for `path` has ended. */
  endedFor(path: string, timeoutMs?: number): Promise<ConnectionReport>;
  /** Waits until a connection has received the request line of a request for `path`. */
  startedFor(path: string, timeoutMs?: number): Promise<void>;
  stop(): Promise<void>;
}

const SCRIPT = String.raw`
import json, socket, sys, threading
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
srv.bind(("127.0.0.1", 0))
srv.listen(64)
print(json.dumps({"port": srv.getsockname()[1]}), flush=True)
# One report per line: print() writes the text and the newline apart, so two threads could interleave.
out = threading.Lock()
def report(value):
    with out:
        sys.stdout.write(json.dumps(value) + "\n")
        sys.stdout.flush()
def serve(conn):
    data = b""
    end = "fin"
    started = False
    try:
        while True:
            chunk = conn.recv(65536)
            if not chunk:
                break
            data += chunk
            if not started and b"\r\n" in data:
                started = True
                report({"started": data.split(b"\r\n", 1)[0].decode("latin-1")})
            if data.startswith(b"GET /answer ") and data.endswith(b"\r\n\r\n"):
                conn.sendall(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nkeep-alive: timeout=3\r\n\r\nok")
    except ConnectionResetError:
        end = "reset"
    line = data.split(b"\r\n", 1)[0].decode("latin-1")
    report({"requestLine": line, "bytes": len(data), "terminated": data.endswith(b"0\r\n\r\n"), "end": end})
    conn.close()
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
`;

export async function startRawBackend(): Promise<RawBackend> {
  const python = requireTool('/usr/bin/python3', 'python3');
  const proc: TestProcess = startProcess(python, ['-u', '-c', SCRIPT]);
  const connections: ConnectionReport[] = [];
  const started: string[] = [];
  const lines = createInterface({ input: proc.child.stdout! });
  const waiters = new Set<() => void>();
  let port: number | undefined;
  lines.on('line', (line) => {
    const parsed = JSON.parse(line) as { port?: number; started?: string } & ConnectionReport;
    if (parsed.port !== undefined) port = parsed.port;
    else if (parsed.started !== undefined) started.push(parsed.started);
    else {
      connections.push({
        requestLine: parsed.requestLine,
        bytes: parsed.bytes,
        terminated: parsed.terminated,
        end: parsed.end,
      });
    }
    for (const wake of waiters) wake();
  });
  const deadline = Date.now() + 10_000;
  while (port === undefined) {
    if (proc.exited()) throw new Error(proc.exited());
    if (Date.now() > deadline) throw new Error(`the raw backend did not start:\n${proc.output()}`);
    await new Promise<void>((resolve) => {
      waiters.add(resolve);
      setTimeout(resolve, 100);
    });
  }
  return {
    baseUrl: `http://127.0.0.1:${port}`,
    connections,
    async endedFor(path, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = connections.find((c) => c.requestLine.split(' ')[1] === path);
        if (found) return found;
        if (Date.now() > until) {
          throw new Error(`no connection for ${path} ended; seen: ${JSON.stringify(connections)}`);
        }
        await new Promise<void>((resolve) => {
          waiters.add(resolve);
          setTimeout(resolve, 50);
        });
        waiters.clear();
      }
    },
    async startedFor(path, timeoutMs = 10_000) {
      const until = Date.now() + timeoutMs;
      while (!started.some((requestLine) => requestLine.split(' ')[1] === path)) {
        if (Date.now() > until)
          throw new Error(`no request for ${path} started; seen: ${JSON.stringify(started)}`);
        await new Promise<void>((resolve) => {
          waiters.add(resolve);
          setTimeout(resolve, 50);
        });
        waiters.clear();
      }
    },
    async stop() {
      lines.close();
      await proc.stop('SIGKILL');
      if (proc.child.exitCode === null && proc.child.signalCode === null) await once(proc.child, 'close');
    },
  };
}
