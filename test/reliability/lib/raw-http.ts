import { connect } from 'node:net';

export interface RawAnswer {
  /** 0 when the server closed the connection without an answer. */
  status: number;
  headers: Record<string, string>;
  body: string;
  /** The whole answer as received, for messages. */
  raw: string;
}

/** Splits one HTTP/1.1 answer; decodes a chunked body. */
export function parseAnswer(received: Buffer): RawAnswer {
  let bytes = received;
  // Skip interim answers (`100 Continue`): the final one is what counts.
  while (/^HTTP\/1\.[01] 1\d\d /.test(bytes.subarray(0, 16).toString('latin1'))) {
    const interimEnd = bytes.indexOf('\r\n\r\n');
    if (interimEnd < 0) break;
    bytes = bytes.subarray(interimEnd + 4);
  }
  const raw = bytes.toString('latin1');
  const end = raw.indexOf('\r\n\r\n');
  if (end < 0) return { status: 0, headers: {}, body: '', raw };
  const [statusLine = '', ...headerLines] = raw.slice(0, end).split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1] ?? 0);
  const headers: Record<string, string> = {};
  for (const line of headerLines) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  let body = bytes.subarray(Buffer.byteLength(raw.slice(0, end + 4), 'latin1'));
  if (headers['transfer-encoding'] === 'chunked') {
    const parts: Buffer[] = [];
    let rest = body;
    for (;;) {
      const lineEnd = rest.indexOf('\r\n');
      const size = Number.parseInt(rest.subarray(0, lineEnd).toString('latin1'), 16);
      if (lineEnd < 0 || !(size > 0)) break;
      parts.push(rest.subarray(lineEnd + 2, lineEnd + 2 + size));
      rest = rest.subarray(lineEnd + 2 + size + 2);
    }
    body = Buffer.concat(parts);
  } else if (headers['content-length'] !== undefined) {
    body = body.subarray(0, Number(headers['content-length']));
  }
  return { status, headers, body: body.toString('utf8'), raw };
}

export interface RawExchange {
  /** Bytes written at once after connecting… */
  send?: Buffer | string;
  /** …or a script that writes them itself (slow bodies), given a write function. */
  script?: (write: (chunk: Buffer | string) => boolean, closed: () => boolean) => Promise<void>;
  /** Give up (and close) after this long; the answer so far is returned. */
  timeoutMs?: number;
}

/**
 * One exchange on a raw TCP connection, for requests no HTTP client would
 * send: malformed lines, invalid bytes, lying lengths, slow bodies. Resolves
 * with the first answer once the server closes or the time is up.
 * @example const answer = await rawExchange(port, { send: 'GARBAGE\r\n\r\n' });
 */
export function rawExchange(
  port: number,
  exchange: RawExchange,
  host = '127.0.0.1',
): Promise<RawAnswer & { closedByServer: boolean; ms: number }> {
  return new Promise((resolve) => {
    const started = performance.now();
    const socket = connect({ host, port });
    const chunks: Buffer[] = [];
    let closed = false;
    let closedByServer = false;
    const finish = () => {
      if (closed) return;
      closed = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...parseAnswer(Buffer.concat(chunks)), closedByServer, ms: performance.now() - started });
    };
    const timer = setTimeout(finish, exchange.timeoutMs ?? 10_000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      // One answer is all we want: stop once it is complete, as a client would.
      const answer = parseAnswer(Buffer.concat(chunks));
      const length = answer.headers['content-length'];
      if (answer.status > 0 && length !== undefined && Buffer.byteLength(answer.body) >= Number(length)) finish();
    });
    socket.on('end', () => {
      closedByServer = true;
      finish();
    });
    socket.on('close', () => {
      closedByServer = true;
      finish();
    });
    // A reset while we still write (the server answered early and closed): the answer is what matters.
    socket.on('error', () => undefined);
    socket.on('connect', () => {
      if (exchange.send !== undefined) socket.write(exchange.send);
      if (exchange.script)
        void exchange
          .script(
            (chunk) => !closed && socket.write(chunk),
            () => closed,
          )
          .catch(() => undefined);
    });
  });
}
