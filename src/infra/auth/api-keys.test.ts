import { sign } from 'hono/jwt';
import { describe, expect, it } from 'vitest';
import { TEST_AUTH, testKey } from '../../../test/helpers/api-keys.js';
import { verifyApiKey } from './api-keys.js';

const NOW = 1_800_000_000;
const CLAIMS = {
  iss: 'dm-jobqueue',
  sub: 'api-key',
  type: 'public',
  scope: ['read'],
  iat: NOW,
  version: '1',
  env: 'test',
};
const keyWith = (changes: Record<string, unknown>) => sign({ ...CLAIMS, ...changes }, TEST_AUTH.secret, 'HS256');
const check = async (token: string, settings = TEST_AUTH) => verifyApiKey(token, settings, NOW * 1000);

describe('verifyApiKey claims', () => {
  it('accepts a key from npm run api-key and one of the original Go template shape (version v1)', async () => {
    expect((await check(await testKey(['read'], TEST_AUTH, { now: NOW }))).ok).toBe(true);
    expect(
      (
        await check(await keyWith({ iss: 'go-webdb-template', version: 'v1' }), {
          ...TEST_AUTH,
          issuer: 'go-webdb-template',
        })
      ).ok,
    ).toBe(true);
  });

  it('honours nbf with a minute of clock skew', async () => {
    expect(await check(await keyWith({ nbf: NOW + 86_400 }))).toMatchObject({
      ok: false,
      detail: 'The API key is not valid yet',
    });
    expect((await check(await keyWith({ nbf: NOW + 30 }))).ok).toBe(true);
  });

  it.each([{ exp: '1700000000' }, { nbf: '1' }, { iat: 'now' }, { exp: null }])(
    'refuses non-numeric times (%j)',
    async (times) => {
      expect(await check(await keyWith(times))).toMatchObject({ ok: false, reason: 'invalid' });
    },
  );

  it('refuses an expired key', async () => {
    expect(await check(await keyWith({ exp: NOW - 1 }))).toMatchObject({ ok: false, reason: 'expired' });
  });

  it.each([{ version: undefined }, { version: ' 1' }, { version: '01' }, { version: 1 }, { version: '' }])(
    'refuses a missing or non-canonical version (%j)',
    async (version) => {
      expect(await check(await keyWith(version))).toMatchObject({ ok: false, reason: 'invalid' });
    },
  );

  it('refuses a revoked version, compared exactly', async () => {
    const settings = { ...TEST_AUTH, invalidVersions: ['1'] };
    expect(await check(await keyWith({}), settings)).toMatchObject({ ok: false, reason: 'revoked' });
    expect((await check(await keyWith({ version: '2' }), settings)).ok).toBe(true);
  });

  it.each(['private', undefined, 'Public'])('refuses type %j (public keys carry type "public")', async (type) => {
    expect(await check(await keyWith({ type }))).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('gives each key one spelling: flipping the unused low bits of the signature is refused', async () => {
    const token = await keyWith({});
    expect((await check(token)).ok).toBe(true);
    const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
    const last = alphabet.indexOf(token.at(-1) ?? '');
    const variants = [1, 2, 3].map((bits) => token.slice(0, -1) + alphabet.charAt(last ^ bits));
    for (const variant of variants) {
      expect(Buffer.from(variant.split('.')[2] ?? '', 'base64url')).toEqual(
        Buffer.from(token.split('.')[2] ?? '', 'base64url'),
      );
      expect(await check(variant)).toMatchObject({ ok: false, reason: 'invalid' });
    }
  });
});
