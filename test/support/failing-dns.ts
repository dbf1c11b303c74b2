/**
 * A tiny DNS server on 127.0.0.1 (UDP and TCP on one ephemeral port) that answers every query with one
 * response code and no records: SERVFAIL (2) or REFUSED (5), as a customer's broken or misconfigured
 * first server does. It counts the queries it got.
 */
import { createSocket } from 'node:dgram';
import { createServer, type AddressInfo, type Server } from 'node:net';

export const RCODE = { SERVFAIL: 2, REFUSED: 5 } as const;

export interface FailingDns {
  /** `127.0.0.1:<port>`: the form `backend.dns.servers` takes. */
  readonly server: string;
  queries(): number;
  stop(): Promise<void>;
}

/** The answer to `query`: its ID and question, QR set, RD copied, RA set, `rcode`, no records. */
export function failureAnswer(query: Buffer, rcode: number): Buffer {
  const answer = Buffer.from(query);
  answer[2] = 0x80 | (query[2] & 0x79); // QR, the opcode and RD as asked (AA, TC cleared)
  answer[3] = 0x80 | rcode; // RA, RCODE
  answer.writeUInt16BE(0, 6); // ANCOUNT
  answer.writeUInt16BE(0, 8); // NSCOUNT
  answer.writeUInt16BE(0, 10); // ARCOUNT
  // Keep the header and the question only (drop the EDNS OPT record c-ares sends in the additional section).
  let at = 12;
  for (let q = query.readUInt16BE(4); q > 0; q--) {
    while (query[at] !== 0) at += query[at] + 1;
    at += 1 + 4;
  }
  return answer.subarray(0, at);
}

export async function startFailingDns(rcode: number): Promise<FailingDns> {
  let queries = 0;
  const tcp: Server = createServer((socket) => {
    let pending = Buffer.alloc(0);
    socket.on('data', (chunk: Buffer) => {
      pending = Buffer.concat([pending, chunk]);
      while (pending.length >= 2 && pending.length >= 2 + pending.readUInt16BE(0)) {
        const query = pending.subarray(2, 2 + pending.readUInt16BE(0));
        pending = pending.subarray(2 + query.length);
        queries += 1;
        const answer = failureAnswer(query, rcode);
        const length = Buffer.alloc(2);
        length.writeUInt16BE(answer.length);
        socket.write(Buffer.concat([length, answer]));
      }
    });
    socket.on('error', () => undefined);
  });
  await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
  const { port } = tcp.address() as AddressInfo;
  const udp = createSocket('udp4');
  udp.on('message', (query, peer) => {
    queries += 1;
    udp.send(failureAnswer(query, rcode), peer.port, peer.address);
  });
  await new Promise<void>((resolve) => udp.bind(port, '127.0.0.1', resolve));
  return {
    server: `127.0.0.1:${port}`,
    queries: () => queries,
    async stop() {
      udp.close();
      tcp.close();
    },
  };
}
