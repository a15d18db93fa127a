import type { Duplex } from 'node:stream';
import { PROBLEM_CONTENT_TYPE, PROBLEM_TYPES } from './problem.js';

const TITLES: Record<400 | 408 | 431, string> = {
  400: 'Bad Request',
  408: 'Request Timeout',
  431: 'Request Header Fields Too Large',
};

/** What Node's HTTP parser reported, as the status it would answer (its own default mapping). */
function statusOf(code: string | undefined): 400 | 408 | 431 {
  if (code === 'HPE_HEADER_OVERFLOW') return 431;
  if (code === 'ERR_HTTP_REQUEST_TIMEOUT') return 408;
  return 400;
}

/**
 * The server's `clientError` listener: a request Node's parser refuses (a
 * malformed line or header, Content-Length with Transfer-Encoding, headers
 * over 16 KiB, a request not finished in time) never reaches the app, and
 * Node would answer a bare status line with no body. This answers
 * problem+json like every other error, naming the parser's code only.
 * @example server.on('clientError', answerClientError);
 */
export function answerClientError(error: NodeJS.ErrnoException, socket: Duplex): void {
  // A reset peer or a socket already closing cannot take an answer (Node's documented guard).
  if (error.code === 'ECONNRESET' || !socket.writable) {
    socket.destroy();
    return;
  }
  const status = statusOf(error.code);
  const title = TITLES[status];
  const body = JSON.stringify({
    type: PROBLEM_TYPES.http,
    title,
    status,
    detail:
      status === 431
        ? 'The request headers are too large'
        : status === 408
          ? 'The request was not received in time'
          : `The request is not valid HTTP/1.1 (${error.code ?? 'parse error'})`,
  });
  socket.end(
    `HTTP/1.1 ${status} ${title}\r\nContent-Type: ${PROBLEM_CONTENT_TYPE}\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
  );
}
