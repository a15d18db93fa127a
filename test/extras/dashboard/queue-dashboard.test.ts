import { describe, expect, it } from 'vitest';
import { waitFor } from '../../../scripts/lib/wait-for.js';
import { AUTH_HEADERS } from '../../helpers/api-keys.js';
import { useBrowserStack } from '../../browser/browser-stack.js';
import { screenshot } from '../../browser/chromium.js';

const ADMIN = { ADMIN_USER: 'ops', ADMIN_PASSWORD: 'correct horse battery' };

describe('the queue dashboard (/admin/queues) in chromium', () => {
  const fixture = useBrowserStack('dashboard', ADMIN);

  it('refuses a visitor without the admin credentials', async () => {
    const response = await fetch(`${fixture.stack.adminUrl}/admin/queues`);
    expect(response.status).toBe(401);
    expect(response.headers.get('www-authenticate')).toMatch(/^Basic/);
  });

  it('refuses an action sent from another site, even with the credentials (CSRF)', async () => {
    const basic = `Basic ${Buffer.from(`${ADMIN.ADMIN_USER}:${ADMIN.ADMIN_PASSWORD}`).toString('base64')}`;
    const response = await fetch(`${fixture.stack.adminUrl}/admin/queues/api/queues/any/retry/failed`, {
      method: 'PUT',
      headers: {
        authorization: basic,
        origin: 'http://evil.example',
        'sec-fetch-site': 'cross-site',
        'content-type': 'text/plain',
      },
    });
    expect(response.status).toBe(403);
    // The same call from the dashboard's own page passes the check (and then finds no such queue).
    const sameOrigin = await fetch(`${fixture.stack.adminUrl}/admin/queues/api/queues/any/retry/failed`, {
      method: 'PUT',
      headers: { authorization: basic, 'sec-fetch-site': 'same-origin', 'content-type': 'text/plain' },
    });
    expect(sameOrigin.status).not.toBe(403);
  });

  it(
    'stays on its own origin (no font or script from elsewhere, nothing the CSP blocks) and shows every tab label in full at 1280 px',
    { timeout: 60_000 },
    async () => {
      const context = await fixture.browser.newContext({
        httpCredentials: { username: ADMIN.ADMIN_USER, password: ADMIN.ADMIN_PASSWORD },
        viewport: { width: 1280, height: 900 },
      });
      try {
        const page = await context.newPage();
        const elsewhere: string[] = [];
        const refused: string[] = [];
        page.on('request', (request) => {
          if (new URL(request.url()).origin !== fixture.stack.adminUrl) elsewhere.push(request.url());
        });
        page.on('console', (message) => {
          if (/Content Security Policy/.test(message.text())) refused.push(message.text());
        });
        await page.goto(`${fixture.stack.adminUrl}/admin/queues`);
        await page
          .getByRole('link', { name: /dashboard/ })
          .first()
          .click();
        const delayed = page.getByRole('link', { name: /Delayed/i }).first();
        await delayed.waitFor();
        // Every tab label ends inside the tab row (bull-board's own layout scrolled "DELAYED" out of sight as "DEL").
        // Evaluated in the page (a string: the tests compile without the DOM's types).
        const clipped = await page.evaluate<string[]>(`(() => {
          const row = [...document.querySelectorAll('ul')].find((ul) => /DELAYED/i.test(ul.textContent));
          if (!row) return ['no tab row'];
          const right = row.getBoundingClientRect().right;
          return [...row.querySelectorAll('a')]
            .filter((tab) => tab.getBoundingClientRect().right > right + 0.5 || tab.scrollWidth > tab.clientWidth)
            .map((tab) => tab.textContent);
        })()`);
        expect(clipped).toEqual([]);
        expect(elsewhere).toEqual([]);
        expect(refused).toEqual([]);
        const response = await fetch(`${fixture.stack.adminUrl}/admin/queues`, {
          headers: {
            authorization: `Basic ${Buffer.from(`${ADMIN.ADMIN_USER}:${ADMIN.ADMIN_PASSWORD}`).toString('base64')}`,
          },
        });
        expect(response.headers.get('content-security-policy')).toMatch(/script-src 'self'(;|$)/);
        expect(await response.text()).not.toContain('fonts.googleapis.com');
      } finally {
        await context.close();
      }
    },
  );

  it('logs in, shows a delayed demo:delay_print job with its data, promotes it, and shows it completed', async () => {
    const message = `from the dashboard ${Date.now()}`;
    const registered = await waitFor(
      async () => {
        const response = await fetch(`${fixture.stack.baseUrl}/api/dm-jobqueue/register`, {
          method: 'POST',
          headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
          body: JSON.stringify({ message, delay_seconds: 3600 }),
        });
        return response.status === 201 ? ((await response.json()) as { job_id: string }) : undefined;
      },
      { what: 'a registration' },
    );

    const context = await fixture.browser.newContext({
      httpCredentials: { username: ADMIN.ADMIN_USER, password: ADMIN.ADMIN_PASSWORD },
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = await context.newPage();
      await page.goto(`${fixture.stack.adminUrl}/admin/queues`);
      await page
        .getByRole('link', { name: /stack|dashboard/ })
        .first()
        .click();
      await page
        .getByRole('link', { name: /Delayed/i })
        .first()
        .click();
      await page.getByText(registered.job_id).first().waitFor({ timeout: 15_000 });
      await page.getByText(message).first().waitFor({ timeout: 5_000 });
      await screenshot(page, 'dashboard-delayed');
      // The job card's first action is Promote (bull-board's icon buttons carry no names); it asks to confirm.
      const card = page
        .locator('div', { hasText: registered.job_id })
        .filter({ has: page.getByRole('tab', { name: 'Data' }) })
        .last();
      await card.locator('ul[class^="jobActions"] button').first().click();
      const confirm = page.getByRole('button', { name: 'Confirm' });
      if (await confirm.isVisible().catch(() => false)) await confirm.click();
      await fixture.stack.worker.waitForLine(new RegExp(`\\] ${message}$`), { stream: 'stdout' });
      await page
        .getByRole('link', { name: /Completed/i })
        .first()
        .click();
      await page.getByText(registered.job_id).first().waitFor({ timeout: 15_000 });
      await screenshot(page, 'dashboard-completed');
    } finally {
      await context.close();
    }
  });

  it('shows a cancelled job under Completed, its result saying it was cancelled (docs/operations.md)', async () => {
    const api = (path: string, init: RequestInit = {}) =>
      fetch(`${fixture.stack.baseUrl}/api/dm-jobqueue${path}`, {
        ...init,
        headers: { ...AUTH_HEADERS, ...(init.body ? { 'content-type': 'application/json' } : {}) },
      });
    const registered = await waitFor(
      async () => {
        const response = await api('/register', { method: 'POST', body: JSON.stringify({ delay_seconds: 3600 }) });
        return response.status === 201 ? ((await response.json()) as { job_id: string }) : undefined;
      },
      { what: 'a registration' },
    );
    expect((await api(`/jobs/${registered.job_id}`, { method: 'DELETE' })).status).toBe(200);
    const context = await fixture.browser.newContext({
      httpCredentials: { username: ADMIN.ADMIN_USER, password: ADMIN.ADMIN_PASSWORD },
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = await context.newPage();
      await page.goto(`${fixture.stack.adminUrl}/admin/queues`);
      await page
        .getByRole('link', { name: /stack|dashboard/ })
        .first()
        .click();
      await page
        .getByRole('link', { name: /Completed/i })
        .first()
        .click();
      await page.getByText(registered.job_id).first().waitFor({ timeout: 15_000 });
      const card = page
        .locator('div', { hasText: registered.job_id })
        .filter({ has: page.getByRole('tab', { name: 'Data' }) })
        .last();
      // The Data tab shows the job's data and its return value: { lifecycle: "cancelled" }.
      await card.getByText('returnValue').first().waitFor({ timeout: 5_000 });
      await card.getByText('"cancelled"').first().waitFor({ timeout: 5_000 });
      await screenshot(page, 'dashboard-cancelled');
    } finally {
      await context.close();
    }
  });
});
