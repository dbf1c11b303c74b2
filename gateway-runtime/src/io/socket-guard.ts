/**
 * What the connection pools do to every backend socket they open (one place, used by the connector):
 *
 * - **A failed exchange is a reset.** When undici gives up a connection because of an error (the
 *   caller's body went over the limit or the caller hung up mid-body, a timeout, an abort), a TCP
 *   socket is closed with RST instead of FIN, so the backend sees an aborted request, never one that
 *   merely ended early (over TLS, Node can not reset the TCP socket under it: the connection is cut
 *   without a TLS close_notify, which a server also reads as truncation).
 * - **A TLS alert is kept.** With TLS 1.3 the client's handshake is done before the server checks the
 *   client certificate; the server's refusal (alert `certificate_required`, `bad_certificate`,
 *   `unknown_ca`) arrives later, and undici reports the connection as "other side closed". The first TLS
 *   error of the socket is attached as the `cause` of the error undici closes it with, so
 *   classifyTransportError reports BACKEND_TLS in TLS 1.3 as in TLS 1.2.
 */
import type { Socket } from 'node:net';
import { TLSSocket } from 'node:tls';

/** OpenSSL and Node TLS error codes, as a socket reports them. */
export const TLS_ERROR_CODE = /^(ERR_SSL_|ERR_OSSL_|ERR_TLS_)/;

interface ResettableSocket extends Socket {
  resetAndClosing?: boolean;
  _handle?: { reset?: unknown } | null;
}

/**
 * undici's own routine closes (an idle keep-alive timeout, the server's `Connection: close`) carry an
 * InformationalError too; only its `aborted` (a request given up mid-exchange) is a failure.
 */
function isRoutineClose(error: Error): boolean {
  return (error as { code?: unknown }).code === 'UND_ERR_INFO' && error.message !== 'aborted';
}

export function guardSocket(socket: Socket): Socket {
  let tlsError: Error | undefined;
  if (socket instanceof TLSSocket) {
    socket.on('error', (error: NodeJS.ErrnoException) => {
      if (tlsError === undefined && typeof error.code === 'string' && TLS_ERROR_CODE.test(error.code)) {
        tlsError = error;
      }
    });
  }
  const destroy = socket.destroy.bind(socket);
  socket.destroy = (error?: Error): Socket => {
    if (error && !socket.destroyed) {
      if (tlsError && error !== tlsError && (error as { cause?: unknown }).cause === undefined) {
        Object.defineProperty(error, 'cause', { value: tlsError, configurable: true, writable: true });
      }
      const tcp = socket as ResettableSocket;
      // Node's own resetAndDestroy() sets this flag; it is used here so that `error` still reaches undici.
      if (
        !isRoutineClose(error) &&
        !(socket instanceof TLSSocket) &&
        typeof tcp._handle?.reset === 'function' &&
        !socket.connecting
      ) {
        tcp.resetAndClosing = true;
      }
    }
    return destroy(error);
  };
  return socket;
}
