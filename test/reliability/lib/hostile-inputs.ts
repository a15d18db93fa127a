import type { HttpRequest } from './http-client.js';

/** A small seeded PRNG (mulberry32): the same seed gives the same requests, so a finding can be replayed. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

const pick = <T>(random: () => number, items: readonly T[]): T => items[Math.floor(random() * items.length)] as T;

/** JSON text of values no field accepts (raw text, so `1E400`, `-0.0e1`, lone surrogates and such stay as written). */
const BAD_NUMBERS = [
  '-1',
  '0.5',
  '1.55e1',
  '1E400',
  '-1E400',
  '1e308',
  '9007199254740993',
  '99999999999999999999999',
  '2592001',
  '1e-7',
  '-0.1',
  '"10"',
  '"1e3"',
  '" 5"',
  '"0x10"',
  'null',
  'true',
  '[]',
  '{}',
  '[1]',
  '{"value":1}',
  '""',
];
const BAD_RETRIES = ['26', '-1', '2.5', '"3"', 'null', 'false', '[]', '{}', '1e3', '1E400'];
const BAD_MESSAGES = [
  '""',
  '"   "',
  `"${'x'.repeat(1001)}"`,
  '42',
  'null',
  '[]',
  '{}',
  '"\\u0000"',
  '"a\\nb"',
  '"\\u202e evil"',
  '"\\ud800"',
  '"\\udfff lone"',
  '"\\u200b"',
  '"\\u2028"',
  '"tab\\there"',
  'true',
];
const EXTRA_KEYS = [
  '"__proto__": {"delay_seconds": 0}',
  '"constructor": {"prototype": {"polluted": 1}}',
  '"prototype": 1',
  '"unknown": 1',
  '"job_type": "other"',
  '"__proto__": null',
  '"hasOwnProperty": 1',
];
const GOOD_FIELDS = [
  ['message', '"ok"'],
  ['delay_seconds', '3600'],
  ['max_retry', '0'],
] as const;
/** Bodies that are not a JSON object at all, or not JSON. */
const NOT_OBJECTS = [
  '[]',
  '"text"',
  '123',
  'null',
  'true',
  '{',
  '{"message":}',
  "{'message':'x'}",
  '{"message":"x",}',
  'NaN',
  '{"delay_seconds": NaN}',
  '{"delay_seconds": Infinity}',
  '{"delay_seconds": 0x10}',
  '\u0000',
  '{"a":1}{"b":2}',
  '{"message":"x"} trailing',
  '['.repeat(5000) + ']'.repeat(5000),
  '{"a":'.repeat(3000) + '1' + '}'.repeat(3000),
];
/** The same key twice: JSON.parse keeps the last one, so the second must still be validated. */
const DUPLICATES = [
  '{"delay_seconds": 0, "delay_seconds": "x"}',
  '{"message": "ok", "message": 42}',
  '{"max_retry": 1, "max_retry": -1}',
  '{"delay_seconds": -1, "delay_seconds": 99999999}',
];
const CONTENT_TYPES = [
  'application/json',
  'application/json; charset=utf-8',
  'APPLICATION/JSON',
  'application/problem+json',
];
const WRONG_CONTENT_TYPES = [
  'text/plain',
  'application/x-www-form-urlencoded',
  'multipart/form-data; boundary=x',
  'application/xml',
  'application/jsonx',
  '',
  'json',
  'application/json-patch',
];

/** One generated register body that is wrong in at least one way, as raw JSON text. */
function badBody(random: () => number): string {
  const roll = random();
  if (roll < 0.12) return pick(random, NOT_OBJECTS);
  if (roll < 0.18) return pick(random, DUPLICATES);
  const bad = pick(random, ['delay_seconds', 'max_retry', 'message', 'extra'] as const);
  const fields: string[] = [];
  if (bad === 'delay_seconds') fields.push(`"delay_seconds": ${pick(random, BAD_NUMBERS)}`);
  if (bad === 'max_retry') fields.push(`"max_retry": ${pick(random, BAD_RETRIES)}`);
  if (bad === 'message') fields.push(`"message": ${pick(random, BAD_MESSAGES)}`);
  if (bad === 'extra') fields.push(pick(random, EXTRA_KEYS));
  // Valid fields only for the other keys: a repeated key would make the last (valid) value win, as JSON.parse does.
  for (const [key, value] of GOOD_FIELDS) if (key !== bad && random() < 0.4) fields.push(`"${key}": ${value}`);
  if (random() < 0.5) fields.reverse();
  return `{${fields.join(', ')}}`;
}

/** A register request whose body no rule accepts, with a JSON content type. */
export function badRegisterRequest(random: () => number, auth: Record<string, string>): HttpRequest & { kind: string } {
  return {
    kind: 'bad JSON body',
    method: 'POST',
    path: '/api/dm-jobqueue/register',
    headers: { ...auth, 'content-type': pick(random, CONTENT_TYPES) },
    body: badBody(random),
  };
}

/** A register request with a body of a type that is not JSON (415) — or none where one is declared. */
export function wrongContentTypeRequest(
  random: () => number,
  auth: Record<string, string>,
): HttpRequest & { kind: string } {
  const type = pick(random, WRONG_CONTENT_TYPES);
  return {
    kind: 'wrong content type',
    method: 'POST',
    path: '/api/dm-jobqueue/register',
    headers: { ...auth, ...(type ? { 'content-type': type } : {}) },
    body: random() < 0.5 ? 'message=hi&delay_seconds=1' : '{"message":"hi"}',
  };
}

const BAD_IDS = [
  'x',
  '1',
  '-1',
  '0',
  'null',
  'undefined',
  '__proto__',
  'constructor',
  'prototype',
  '..%2F..%2Fetc%2Fpasswd',
  '%00',
  '%ff',
  '%c0%af',
  '%ed%a0%80',
  '%F0%9F%98%80',
  "1'%20OR%20'1'='1",
  'a'.repeat(10_000),
  '00000000-0000-0000-0000-000000000000',
  '9f28bed6-18bf-4720-bf6b-c6373cb3188e',
  '9F28BED6-18BF-4720-BF6B-C6373CB3188E',
  '9f28bed6-18bf-4720-bf6b-c6373cb3188',
  '{}',
  '%7B%7D',
  '*',
  '%2A',
  'bull:x:1',
  'a%3Ab',
];

/** A status lookup for a job id that is malformed, huge or unknown. */
export function badJobIdRequest(random: () => number, auth: Record<string, string>): HttpRequest & { kind: string } {
  const id = random() < 0.15 ? crypto.randomUUID() : pick(random, BAD_IDS);
  return { kind: 'bad job id', method: 'GET', path: `/api/dm-jobqueue/jobs/${id}`, headers: auth };
}

/** Authorization values that must all be refused. */
export function badAuthorizations(validKey: string, wrongSecretKey: string, expiredKey: string): string[] {
  const [header = '', payload = ''] = validKey.split('.');
  const none = `${Buffer.from('{"alg":"none","typ":"JWT"}').toString('base64url')}.${payload}.`;
  return [
    '',
    'Bearer',
    'Bearer ',
    'bearer',
    `Basic ${Buffer.from('a:b').toString('base64')}`,
    'Bearer x',
    'Bearer a.b.c',
    `Bearer ${'A'.repeat(8000)}`,
    `Bearer ${wrongSecretKey}`,
    `Bearer ${expiredKey}`,
    `Bearer ${none}`,
    `Bearer ${header}.${payload}.`,
    `Bearer ${validKey}x`,
    `Bearer ${validKey.slice(0, -2)}`,
    `Bearer ${header}.${Buffer.from('{"scope":["read","write"],"iss":"dm-jobqueue"}').toString('base64url')}.${validKey.split('.')[2] ?? ''}`,
    `Token ${validKey}`,
    `Bearer  ${validKey}`,
    `Bearer ${validKey} ${validKey}`,
  ];
}
