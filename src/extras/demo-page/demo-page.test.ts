import { createTestApp } from '../../../test/helpers/test-app.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createDemoPageRoutes } from './demo-page.js';
import { demoPageExtension } from './extra.js';
import { AUTH_HEADERS } from '../../../test/helpers/api-keys.js';

/** The test app (fakes, the test's keys) with the page mounted as the extras list mounts it. */
const appWithRealPage = () => createTestApp({ extensions: [demoPageExtension()] });

describe('the demo page', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const dir of dirs.splice(0)) rmSync(dir, { recursive: true, force: true });
  });

  it('redirects / to /dm-jobqueue', async () => {
    const response = await appWithRealPage().request('/');
    expect(response.status).toBe(302);
    expect(response.headers.get('location')).toBe('/dm-jobqueue');
  });

  it('serves the page as HTML with a same-origin-only content security policy', async () => {
    const response = await appWithRealPage().request('/dm-jobqueue');
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(response.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    const html = await response.text();
    expect(html).toContain('<form id="register-form"');
    expect(html).toContain('value="180"');
    expect(html).toContain('value="10"');
    expect(html).toMatch(/<script type="module" src="\/dm-jobqueue\/app\.js"><\/script>/);
  });

  it('serves every script and stylesheet the page refers to', async () => {
    const app = appWithRealPage();
    const html = await (await app.request('/dm-jobqueue')).text();
    const assets = [...html.matchAll(/(?:src|href)="(\/dm-jobqueue\/[^"]+)"/g)].map((match) => match[1] ?? '');
    expect(assets).toEqual(expect.arrayContaining(['/dm-jobqueue/app.js', '/dm-jobqueue/style.css']));
    for (const asset of assets) {
      const response = await app.request(asset);
      expect(response.status, asset).toBe(200);
      expect(response.headers.get('content-type')).toMatch(asset.endsWith('.css') ? /^text\/css/ : /^text\/javascript/);
    }
    // The scripts import each other: each import must be served too.
    const script = await (await app.request('/dm-jobqueue/app.js')).text();
    for (const [, name] of script.matchAll(/from '\.\/([\w-]+\.js)'/g)) {
      expect((await app.request(`/dm-jobqueue/${name}`)).status, name).toBe(200);
    }
  });

  it.for(['..%2Fpackage.json', '.env', 'missing.js', 'APP.JS'])('answers 404 problem+json for %j', async (name) => {
    const response = await appWithRealPage().request(`/dm-jobqueue/${name}`);
    expect(response.status).toBe(404);
    expect(response.headers.get('content-type')).toMatch(/^application\/problem\+json/);
  });

  it('reads the files on each request, from the directory it is given', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'demo-page-'));
    dirs.push(dir);
    const app = createDemoPageRoutes({ dir });
    writeFileSync(path.join(dir, 'index.html'), '<p>one</p>');
    expect(await (await app.request('/dm-jobqueue')).text()).toBe('<p>one</p>');
    writeFileSync(path.join(dir, 'index.html'), '<p>two</p>');
    expect(await (await app.request('/dm-jobqueue')).text()).toBe('<p>two</p>');
  });

  it('does not add its headers to the API', async () => {
    const response = await appWithRealPage().request('/api/dm-jobqueue/register', {
      method: 'POST',
      headers: AUTH_HEADERS,
    });
    expect(response.status).toBe(201);
    expect(response.headers.get('content-security-policy')).toBeNull();
  });

  it('carries a same-origin CSP', async () => {
    const csp = (await appWithRealPage().request('/dm-jobqueue')).headers.get('content-security-policy') ?? '';
    expect(csp).toContain("default-src 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("frame-ancestors 'none'");
  });
});
