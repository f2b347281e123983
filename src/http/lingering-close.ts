import type { IncomingMessage } from 'node:http';
import type { Socket } from 'node:net';

/** After a refusal, at most this much of the rest of a request body is read and thrown away. */
export const LINGER_MAX_BYTES = 8 * 1024 * 1024;
/** ... and for at most this long after the answer went out. */
export const LINGER_MAX_MS = 5_000;

const lingering = new WeakSet<Socket>();

/**
 * Makes the connection of a request whose body is still arriving close by lingering, as nginx
 * does, once its answer is out: the server sends its FIN after the answer, goes on reading and
 * discarding what the client still sends, and closes when the client does, or when a bound above
 * is reached. Closing at once would make the kernel reset a connection with unread data, and the
 * reset can reach a client that is still sending before it has read the answer (a 413 seen as
 * EPIPE or ECONNRESET).
 *
 * The answer must say `Connection: close`: Node then ends the connection through
 * `socket.destroySoon()` once the answer is written, which is where the lingering takes over.
 */
export function lingerBeforeClosing(request: IncomingMessage): void {
  const socket = request.socket;
  if (lingering.has(socket)) {
    return;
  }
  lingering.add(socket);
  socket.destroySoon = () => {
    if (socket.writable) {
      socket.end();
    }
    let discarded = 0;
    const close = (): void => {
      clearTimeout(bound);
      socket.destroy();
    };
    const bound = setTimeout(close, LINGER_MAX_MS);
    bound.unref();
    socket.once('close', () => clearTimeout(bound));
    socket.once('end', close);
    // The HTTP parser keeps reading the socket; the body it parses is dropped here.
    request.on('data', (chunk: Buffer) => {
      discarded += chunk.length;
      if (discarded > LINGER_MAX_BYTES) {
        close();
      }
    });
    request.resume();
  };
}

/** True once `lingerBeforeClosing` was called for the request on this socket. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}
