import { createServer } from 'node:net';

function isFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once('error', () => resolve(false));
    server.listen(port, '127.0.0.1', () => server.close(() => resolve(true)));
  });
}

/**
 * A first port `p` such that `p .. p+count-1`, and the same ports + `alsoOffset`
 * (a Redis Cluster's bus ports), were all free a moment ago on 127.0.0.1.
 * @example const base = await freePortBlock(3, 10_000); // nodes base..base+2, buses base+10000..
 */
export async function freePortBlock(count: number, alsoOffset?: number): Promise<number> {
  for (let attempt = 0; attempt < 200; attempt += 1) {
    const base = 20_000 + Math.floor(Math.random() * 25_000);
    const ports = Array.from({ length: count }, (_, index) => base + index);
    if (alsoOffset !== undefined) ports.push(...ports.map((port) => port + alsoOffset));
    const free = await Promise.all(ports.map(isFree));
    if (free.every(Boolean)) return base;
  }
  throw new Error(`no block of ${count} free ports found`);
}
