import type { Page } from 'playwright-core';
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

  /** Registers a job due in an hour (retrying while the stack reaches Redis). */
  const register = (body: object) =>
    waitFor(
      async () => {
        const response = await fetch(`${fixture.stack.baseUrl}/api/dm-jobqueue/register`, {
          method: 'POST',
          headers: { ...AUTH_HEADERS, 'content-type': 'application/json' },
          body: JSON.stringify({ ...body, delay_seconds: 3600 }),
        });
        return response.status === 201 ? ((await response.json()) as { job_id: string }) : undefined;
      },
      { what: 'a registration' },
    );

  /** Runs `steps` on the dashboard page, logged in and on the stack's queue, then closes the browser context. */
  async function onDashboard(steps: (page: Page, tab: (name: RegExp) => Promise<void>) => Promise<void>) {
    const context = await fixture.browser.newContext({
      httpCredentials: { username: ADMIN.ADMIN_USER, password: ADMIN.ADMIN_PASSWORD },
      viewport: { width: 1280, height: 900 },
    });
    try {
      const page = await context.newPage();
      await page.goto(`${fixture.stack.adminUrl}/admin/queues`);
      const link = (name: RegExp) => page.getByRole('link', { name }).first().click();
      await link(/stack|dashboard/);
      await steps(page, link);
    } finally {
      await context.close();
    }
  }

  /** The card of job `id`, the one with the Data tab. */
  const cardOf = (page: Page, id: string) =>
    page
      .locator('div', { hasText: id })
      .filter({ has: page.getByRole('tab', { name: 'Data' }) })
      .last();

  it('logs in, shows a delayed demo:delay_print job with its data, promotes it, and shows it completed', async () => {
    const message = `from the dashboard ${Date.now()}`;
    const registered = await register({ message });
    await onDashboard(async (page, tab) => {
      await tab(/Delayed/i);
      await page.getByText(registered.job_id).first().waitFor({ timeout: 15_000 });
      await page.getByText(message).first().waitFor({ timeout: 5_000 });
      await screenshot(page, 'dashboard-delayed');
      // The job card's first action is Promote (bull-board's icon buttons carry no names); it asks to confirm.
      await cardOf(page, registered.job_id).locator('ul[class^="jobActions"] button').first().click();
      const confirm = page.getByRole('button', { name: 'Confirm' });
      if (await confirm.isVisible().catch(() => false)) await confirm.click();
      await fixture.stack.worker.waitForLine(new RegExp(`\\] ${message}$`), { stream: 'stdout' });
      await tab(/Completed/i);
      await page.getByText(registered.job_id).first().waitFor({ timeout: 15_000 });
      await screenshot(page, 'dashboard-completed');
    });
  });

  it('shows a cancelled job under Completed, its result saying it was cancelled (docs/operations.md)', async () => {
    const registered = await register({});
    const cancel = await fetch(`${fixture.stack.baseUrl}/api/dm-jobqueue/jobs/${registered.job_id}`, {
      method: 'DELETE',
      headers: AUTH_HEADERS,
    });
    expect(cancel.status).toBe(200);
    await onDashboard(async (page, tab) => {
      await tab(/Completed/i);
      await page.getByText(registered.job_id).first().waitFor({ timeout: 15_000 });
      const card = cardOf(page, registered.job_id);
      // The Data tab shows the job's data and its return value: { lifecycle: "cancelled" }.
      await card.getByText('returnValue').first().waitFor({ timeout: 5_000 });
      await card.getByText('"cancelled"').first().waitFor({ timeout: 5_000 });
      await screenshot(page, 'dashboard-cancelled');
    });
  });
});
