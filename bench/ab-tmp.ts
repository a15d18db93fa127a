import { execFileSync } from 'node:child_process';
import { Redis } from 'ioredis';
import { startBenchServer } from './lib/bench-server.js';
import { postLoad } from './lib/load.js';
import { startRedisServer } from '../test/helpers/redis-server.js';
execFileSync('npx', ['tsc', '-p', 'tsconfig.bench.json'], { stdio: 'inherit' });
const redis = await startRedisServer({ configFile: 'redis/redis.conf', appendonly: true });
const admin = new Redis(redis.port);
const variants = JSON.parse(process.env.VARIANTS ?? '[]') as { name: string; file: string; env?: Record<string, string> }[];
const servers = [];
for (const v of variants) servers.push(await startBenchServer(v.name, v.file, { REDIS_PORT: String(redis.port), QUEUE_NAME: 'q-' + v.name, RATE_LIMIT: 'off', ...v.env }, (process.env.NODE_ARGS ?? '').split(' ').filter(Boolean)));
for (let r = 0; r < 2; r++) for (const s of servers) { await admin.flushall(); await postLoad(s.url, { seconds: 1 }); const res = await postLoad(s.url, { seconds: 3 }); console.log(s.name.padEnd(20), Math.round(res.requestsPerSecond), res.p50Ms, res.p99Ms, res.failures); }
const { rssMiB } = await import('./lib/rss.js');
for (const s of servers) console.log(s.name, 'rss', rssMiB(s.pid).toFixed(1));
const stats = await admin.info('commandstats');
console.log(stats.split('\n').filter((l) => /evalsha|eval:|cmdstat_xadd|cmdstat_zadd/.test(l)).join('\n'));
for (const s of servers) await s.process.stop('SIGTERM');
admin.disconnect(); await redis.destroy();
