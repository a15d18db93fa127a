/**
 * Reads a V8 CPU profile (`node --cpu-prof`) and says where the time went: self and total time per function,
 * and per group (our modules, Hono, the Node adapter, valibot, …). Idle time is left out of the shares.
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
}

export interface TimeShare {
  name: string;
  /** Share of the busy time spent in it (0–1), and in it or what it called. */
  self: number;
  total: number;
}

export interface ProfileSummary {
  busyMs: number;
  groups: TimeShare[];
  functions: TimeShare[];
}

/** Which group a frame belongs to, from its script's URL (first match wins). */
const GROUPS: readonly [RegExp, string | ((url: string) => string)][] = [
  [/\/@hono\/node-server\//, 'Node adapter (@hono/node-server)'],
  [/\/(hono-openapi|@hono\/standard-validator)\//, 'hono-openapi validator'],
  [/\/hono\//, 'Hono'],
  [/\/fastify\/|\/@fastify\/|\/find-my-way\/|\/avvio\/|\/light-my-request\//, 'Fastify and plugins'],
  [/\/ajv\/|\/fast-json-stringify\//, 'ajv / fast-json-stringify'],
  [/\/fast-jwt\//, 'fast-jwt'],
  [/\/valibot\//, 'valibot'],
  [/\/(pino|pino-std-serializers|sonic-boom|thread-stream|quick-format-unescaped|fast-redact)\//, 'pino'],
  [/\/prom-client\//, 'prom-client'],
  [/\/rate-limiter-flexible\//, 'rate-limiter-flexible'],
  [
    /\/(bullmq|ioredis|@ioredis|msgpackr|cluster-key-slot|redis-errors|redis-parser|standard-as-callback|denque)\//,
    'ioredis / BullMQ',
  ],
  [/node:internal\/deps\/undici|node:internal\/webstreams/, 'undici Request/Response/Headers, web streams'],
  [/\/\.build\/(src|bench)\//, (url) => `ours: ${url.replace(/^.*\/\.build\//, '').replace(/\.js$/, '.ts')}`],
  [/node_modules\//, (url) => /node_modules\/((@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? 'other package'],
  [/^node:/, 'Node core'],
];

/** Native frames (no script): GC, `(program)` (work with no JavaScript on the stack: HTTP parsing, I/O), bindings. */
const NATIVE: Record<string, string> = {
  '(garbage collector)': 'GC',
  '(program)': '(program): native, no JavaScript on the stack',
};

function groupOf(node: ProfileNode): string {
  const { url, functionName } = node.callFrame;
  if (!url) return NATIVE[functionName] ?? 'native: V8 and Node bindings (socket writes, RegExp, …)';
  for (const [pattern, group] of GROUPS) if (pattern.test(url)) return typeof group === 'string' ? group : group(url);
  return 'other';
}

function functionOf(node: ProfileNode): string {
  const { url, functionName, lineNumber, columnNumber } = node.callFrame;
  // A native RegExp's frame is named by its whole source.
  if (!url) return functionName.length > 60 ? `${functionName.slice(0, 57)}…` : functionName || '(anonymous native)';
  const file = url
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/\.build\//, '')
    .replace(/^file:\/\//, '');
  return `${functionName || '(anonymous)'} ${file}:${lineNumber + 1}:${columnNumber + 1}`;
}

const IDLE = new Set(['(idle)']);

/** Self and total shares of busy time per function and per group, the `top` largest of each by self time. */
export function summarizeProfile(file: string, top = 40): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const parent = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parent.set(child, node.id);
  const selfMicros = new Map<number, number>();
  profile.samples.forEach((id, i) => {
    // A sample's time is the delta to the next one (V8 records the delta before each sample).
    selfMicros.set(id, (selfMicros.get(id) ?? 0) + (profile.timeDeltas[i + 1] ?? 0));
  });
  const functions = new Map<string, { self: number; total: number }>();
  const groups = new Map<string, { self: number; total: number }>();
  let busy = 0;
  for (const [id, micros] of selfMicros) {
    const leaf = byId.get(id);
    if (!leaf || IDLE.has(leaf.callFrame.functionName)) continue;
    busy += micros;
    // Each function and group on the stack counts once towards its total, however often it recurs.
    const seenFunctions = new Set<string>();
    const seenGroups = new Set<string>();
    for (let node: ProfileNode | undefined = leaf; node; node = byId.get(parent.get(node.id) ?? -1)) {
      if (node.callFrame.functionName === '(root)') break;
      seenFunctions.add(functionOf(node));
      // A native frame's group (runMicrotasks holds nearly every stack) counts only where it is the leaf.
      if (node === leaf || node.callFrame.url) seenGroups.add(groupOf(node));
    }
    for (const [map, keys, own] of [
      [functions, seenFunctions, functionOf(leaf)],
      [groups, seenGroups, groupOf(leaf)],
    ] as const) {
      for (const key of keys) {
        const entry = map.get(key) ?? { self: 0, total: 0 };
        entry.total += micros;
        if (key === own) entry.self += micros;
        map.set(key, entry);
      }
    }
  }
  const shares = (map: Map<string, { self: number; total: number }>) =>
    [...map]
      .map(([name, { self, total }]) => ({ name, self: self / busy, total: total / busy }))
      .sort((a, b) => b.self - a.self)
      .slice(0, top);
  return { busyMs: busy / 1000, groups: shares(groups), functions: shares(functions) };
}
