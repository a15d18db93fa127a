import { AUTH_HEADERS } from '../../helpers/api-keys.js';

export interface RawCase {
  kind: string;
  name: string;
  repeat: number;
  /** Node answers this itself before any listener (a bare status line, no body); the answer's status. */
  bareFromNode?: number;
  /** The bytes to send; `n` is the repetition, for variants. */
  bytes(n: number): Buffer | string;
}

const AUTH = AUTH_HEADERS.authorization ?? '';
const REGISTER = '/api/dm-jobqueue/register';

/** A complete request; `Connection: close` so the server ends the exchange. */
function request(head: string, headers: string[], body: Buffer | string = ''): Buffer {
  const lines = [head, 'Host: 127.0.0.1', 'Connection: close', ...headers, '', ''];
  return Buffer.concat([
    Buffer.from(lines.join('\r\n'), 'latin1'),
    Buffer.isBuffer(body) ? body : Buffer.from(body, 'utf8'),
  ]);
}

const json = (body: Buffer | string, extra: string[] = []) =>
  request(
    `POST ${REGISTER} HTTP/1.1`,
    [
      `Authorization: ${AUTH}`,
      'Content-Type: application/json',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...extra,
    ],
    body,
  );

function chunked(body: Buffer, chunkSize: number): Buffer {
  const parts: Buffer[] = [];
  for (let offset = 0; offset < body.length; offset += chunkSize) {
    const chunk = body.subarray(offset, offset + chunkSize);
    parts.push(Buffer.from(`${chunk.length.toString(16)}\r\n`), chunk, Buffer.from('\r\n'));
  }
  parts.push(Buffer.from('0\r\n\r\n'));
  return Buffer.concat(parts);
}

const TEN_MB = Buffer.alloc(10 * 1024 * 1024, 'a');
const invalidUtf8 = (bytes: number[]) =>
  Buffer.concat([Buffer.from('{"message":"x'), Buffer.from(bytes), Buffer.from('", "delay_seconds": 3600}')]);

/** Requests for raw sockets: malformed framing, invalid bytes, oversized parts. */
export const RAW_CASES: RawCase[] = [
  { kind: 'malformed request', name: 'garbage request line', repeat: 10, bytes: (n) => `GARBAGE${n}\r\n\r\n` },
  {
    kind: 'malformed request',
    name: 'binary request line',
    repeat: 10,
    bytes: (n) => Buffer.from([0x16, 0x03, 0x01, n, 0xff, 0x00, 0x0d, 0x0a, 0x0d, 0x0a]),
  },
  {
    kind: 'malformed request',
    name: 'invalid header name',
    repeat: 5,
    bytes: () => request(`GET /health HTTP/1.1`, ['Bad Header: x']),
  },
  {
    kind: 'malformed request',
    name: 'header with a NUL byte',
    repeat: 5,
    bytes: () => request(`GET /health HTTP/1.1`, ['X-A: a\u0000b']),
  },
  {
    kind: 'malformed request',
    name: 'Content-Length and Transfer-Encoding together',
    repeat: 5,
    bytes: () =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        [`Authorization: ${AUTH}`, 'Content-Type: application/json', 'Content-Length: 4', 'Transfer-Encoding: chunked'],
        '0\r\n\r\n',
      ),
  },
  {
    kind: 'malformed request',
    name: 'Content-Length not a number',
    repeat: 5,
    bytes: () =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        [`Authorization: ${AUTH}`, 'Content-Type: application/json', 'Content-Length: abc'],
        '{}',
      ),
  },
  {
    kind: 'malformed request',
    name: 'two different Content-Lengths',
    repeat: 5,
    bytes: () =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        [`Authorization: ${AUTH}`, 'Content-Type: application/json', 'Content-Length: 2', 'Content-Length: 3'],
        '{}',
      ),
  },
  {
    kind: 'malformed request',
    name: 'invalid chunk size',
    repeat: 5,
    bytes: () =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        [`Authorization: ${AUTH}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked'],
        'zz\r\n{}\r\n0\r\n\r\n',
      ),
  },
  {
    kind: 'malformed request',
    name: 'HTTP/1.1 without Host',
    repeat: 5,
    bareFromNode: 400,
    bytes: () => `GET /api/dm-jobqueue/jobs/x HTTP/1.1\r\nAuthorization: ${AUTH}\r\nConnection: close\r\n\r\n`,
  },
  {
    kind: 'malformed request',
    name: 'invalid percent-encoding in the path',
    repeat: 5,
    bytes: (n) => request(`GET /api/dm-jobqueue/jobs/%E0%A4%A${n} HTTP/1.1`, [`Authorization: ${AUTH}`]),
  },
  {
    kind: 'malformed request',
    name: 'raw invalid UTF-8 in the path',
    repeat: 5,
    bytes: () =>
      Buffer.concat([
        Buffer.from('GET /api/dm-jobqueue/jobs/'),
        Buffer.from([0xc3, 0x28, 0xff]),
        Buffer.from(` HTTP/1.1\r\nHost: x\r\nAuthorization: ${AUTH}\r\nConnection: close\r\n\r\n`),
      ]),
  },
  {
    kind: 'huge headers',
    name: 'one 20 KiB header',
    repeat: 5,
    bytes: () => request('GET /health HTTP/1.1', [`X-Big: ${'a'.repeat(20 * 1024)}`]),
  },
  {
    kind: 'huge headers',
    name: '64 KiB of headers on the API',
    repeat: 5,
    bytes: () =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        Array.from({ length: 1024 }, (_, i) => `X-H${i}: ${'b'.repeat(60)}`),
        '',
      ),
  },
  {
    kind: 'huge headers',
    name: 'a 20 KiB request target',
    repeat: 5,
    bytes: () => request(`GET /api/dm-jobqueue/jobs/${'c'.repeat(20 * 1024)} HTTP/1.1`, [`Authorization: ${AUTH}`]),
  },
  {
    kind: 'chunked body',
    name: 'small bad JSON chunked, no length',
    repeat: 10,
    bytes: (n) =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        [`Authorization: ${AUTH}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked'],
        chunked(Buffer.from(`{"delay_seconds": -${n + 1}}`), 3),
      ),
  },
  {
    kind: 'chunked body',
    name: '17 KiB chunked, no length',
    repeat: 5,
    bytes: () =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        [`Authorization: ${AUTH}`, 'Content-Type: application/json', 'Transfer-Encoding: chunked'],
        chunked(Buffer.from(`{"message":"${'d'.repeat(17 * 1024)}"}`), 1000),
      ),
  },
  {
    kind: 'declared length lies',
    name: 'Content-Length over the limit, short body',
    repeat: 5,
    bytes: () =>
      request(
        `POST ${REGISTER} HTTP/1.1`,
        [`Authorization: ${AUTH}`, 'Content-Type: application/json', 'Content-Length: 99999999'],
        '{}',
      ),
  },
  { kind: 'invalid UTF-8', name: 'a lone continuation byte', repeat: 5, bytes: () => json(invalidUtf8([0x80])) },
  { kind: 'invalid UTF-8', name: 'an overlong encoding', repeat: 5, bytes: () => json(invalidUtf8([0xc0, 0xaf])) },
  {
    kind: 'invalid UTF-8',
    name: 'a surrogate encoded in UTF-8 (CESU)',
    repeat: 5,
    bytes: () => json(invalidUtf8([0xed, 0xa0, 0x80])),
  },
  { kind: 'invalid UTF-8', name: 'bytes 0xFE 0xFF', repeat: 5, bytes: () => json(invalidUtf8([0xfe, 0xff])) },
  { kind: 'invalid UTF-8', name: 'a truncated sequence', repeat: 5, bytes: () => json(invalidUtf8([0xe2, 0x82])) },
  {
    kind: 'invalid UTF-8',
    name: 'a UTF-16 body',
    repeat: 5,
    bytes: () => json(Buffer.from('{"message":"hi","delay_seconds":3600}', 'utf16le')),
  },
  {
    kind: 'wrong method',
    name: 'PUT, DELETE, TRACE on register',
    repeat: 3,
    bytes: (n) => request(`${['PUT', 'DELETE', 'TRACE'][n] ?? 'PUT'} ${REGISTER} HTTP/1.1`, [`Authorization: ${AUTH}`]),
  },
];

const TEN_MB_HEAD = request(`POST ${REGISTER} HTTP/1.1`, [
  `Authorization: ${AUTH}`,
  'Content-Type: application/json',
  'Expect: 100-continue',
  `Content-Length: ${TEN_MB.length}`,
]);
const TEN_MB_CHUNKED_HEAD = request(`POST ${REGISTER} HTTP/1.1`, [
  `Authorization: ${AUTH}`,
  'Content-Type: application/json',
  'Expect: 100-continue',
  'Transfer-Encoding: chunked',
]);

/**
 * A 10 MB body sent the way curl sends one: `Expect: 100-continue`, a pause
 * for the server's interim or final answer, then the body in pieces, stopping
 * once the answer came. (Written in one go, the server's early 413 and close
 * make the kernel reset the connection, and a reset can discard the answer
 * before the client reads it: Node has no lingering close.)
 */
export function tenMegabytes(chunkedEncoding: boolean) {
  return async (write: (chunk: Buffer) => boolean, closed: () => boolean) => {
    write(chunkedEncoding ? TEN_MB_CHUNKED_HEAD : TEN_MB_HEAD);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const body = chunkedEncoding ? chunked(TEN_MB, 64 * 1024) : TEN_MB;
    for (let offset = 0; offset < body.length && !closed(); offset += 64 * 1024) {
      write(body.subarray(offset, offset + 64 * 1024));
      await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
}

/** A slowloris client: the request headers, one byte at a time over `ms`, never finished. */
export function slowHeaders(ms: number) {
  return async (write: (chunk: string) => boolean, closed: () => boolean) => {
    const head = `GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'s'.repeat(200)}`;
    const step = ms / head.length;
    for (const char of head) {
      if (closed()) return;
      write(char);
      await new Promise((resolve) => setTimeout(resolve, step));
    }
  };
}

/** A register request whose (invalid) body is trickled over `ms`. */
export function slowBody(authorization: string, ms: number) {
  return async (write: (chunk: string) => boolean, closed: () => boolean) => {
    const body = '{"delay_seconds": "slow"}';
    write(
      `POST ${REGISTER} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAuthorization: ${authorization}\r\nContent-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n`,
    );
    for (const char of body) {
      if (closed()) return;
      await new Promise((resolve) => setTimeout(resolve, ms / body.length));
      write(char);
    }
  };
}
