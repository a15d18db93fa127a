import { describe, expect, it } from 'vitest';
import { AUTH_HEADERS } from '../../test/helpers/api-keys.js';
import { createTestApp } from '../../test/helpers/test-app.js';

/** Names an object inherits: a plain-object look-up keyed by a URL segment finds these. */
const PROTOTYPE_NAMES = [
  ...Object.getOwnPropertyNames(Object.prototype),
  ...Object.getOwnPropertyNames(Function.prototype),
  ...Object.getOwnPropertyNames(Array.prototype),
  'prototype',
];

/** Every route that takes a name from the URL (files, job ids), and the bare prefixes. */
const PREFIXES = ['/', '/docs/', '/dm-jobqueue/', '/api/dm-jobqueue/jobs/', '/api/dm-jobqueue/', '/openapi.json/'];

describe('a prototype property name in a URL', () => {
  it.each(PREFIXES)('under %s answers 404 or 400, never a 5xx', async (prefix) => {
    const app = createTestApp();
    const answers = new Map<string, number>();
    for (const name of new Set(PROTOTYPE_NAMES)) {
      const response = await app.request(`${prefix}${encodeURIComponent(name)}`, { headers: AUTH_HEADERS });
      answers.set(name, response.status);
    }
    const bad = [...answers].filter(([, status]) => status >= 500 || status === 200);
    expect(bad).toEqual([]);
  });
});
