/**
 * The login and consent pages in a real browser: Debian's Chromium, headless, driven by
 * playwright-core (never a downloaded browser). Alice signs in at the development IdP, sees the
 * consent page naming the client, the redirect host, the MCP server and the scopes, and allows;
 * carol refuses and the client receives access_denied.
 */
import { existsSync } from 'node:fs';
import { chromium, type Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MCP, startTestService, type TestService } from '../helpers/service.js';
import { authorizeUrl, pkce, PUBLIC_CLIENT, RESOURCES } from '../helpers/browser.js';

const CHROMIUM = '/usr/bin/chromium';
const REDIRECT = 'http://127.0.0.1:49999/callback';

// Skipped on a developer machine without Debian's chromium; in CI (.ci/run installs it) a missing
// browser fails the run instead of silently skipping the test.
describe.runIf(existsSync(CHROMIUM) || process.env.CI === 'true')(
  'login and consent pages in headless Chromium',
  () => {
    let svc: TestService;
    let browser: Browser;
    beforeAll(async () => {
      svc = await startTestService({ clients: [PUBLIC_CLIENT], resources: RESOURCES });
      browser = await chromium.launch({
        executablePath: CHROMIUM,
        args: [
          '--headless',
          '--no-sandbox',
          '--disable-gpu',
          '--disable-quic',
          '--no-first-run',
          '--disable-background-networking',
          '--disable-component-update',
          '--disable-sync',
        ],
      });
    });
    afterAll(async () => {
      await browser?.close();
      await svc?.close();
    });

    async function toConsent(user: string, password: string) {
      const context = await browser.newContext();
      const page = await context.newPage();
      // The client's redirect URI is not served: capture the navigation to it instead.
      let final: URL | undefined;
      await page.route(
        (url) => url.href.startsWith(REDIRECT),
        async (route) => {
          final = new URL(route.request().url());
          await route.fulfill({ status: 200, contentType: 'text/plain', body: 'client callback' });
        },
      );
      const p = pkce();
      await page.goto(
        authorizeUrl(svc.issuer, {
          response_type: 'code',
          client_id: PUBLIC_CLIENT.client_id,
          redirect_uri: REDIRECT,
          code_challenge: p.challenge,
          code_challenge_method: 'S256',
          resource: MCP.salesforce,
          scope: 'crm.read',
          state: 'browser-state',
        }),
      );
      expect(await page.title()).toBe('Sign in · Mandate development IdP');
      await page.getByLabel('Username').fill(user);
      await page.getByLabel('Password').fill('wrong-password');
      await page.getByRole('button', { name: 'Sign in' }).click();
      await expect
        .poll(() => page.getByRole('alert').textContent(), { timeout: 15_000 })
        .toBe('Unknown user or wrong password.');
      await page.getByLabel('Password').fill(password);
      await page.getByRole('button', { name: 'Sign in' }).click();
      await page.waitForURL(/\/authorize\?/);
      return { context, page, final: () => final };
    }

    it('alice signs in and allows: the client receives a code with state and iss', async () => {
      const { context, page, final } = await toConsent('alice', 'alice-demo');
      expect(await page.title()).toBe('Allow access · Mandate');
      const heading = await page.getByRole('heading', { level: 1 }).textContent();
      expect(heading).toBe('Allow Test MCP Client to use Salesforce MCP as you?');
      const text = await page.locator('main').innerText();
      expect(text).toContain('Signed in as Alice Martin.');
      expect(text).toContain('127.0.0.1:49999');
      expect(text).toContain(MCP.salesforce);
      expect(text).toContain('crm.read');
      await page.getByRole('button', { name: 'Allow' }).click();
      await expect.poll(final, { timeout: 15_000 }).toBeDefined();
      expect(final()!.searchParams.get('code')).toMatch(/^[A-Za-z0-9_-]{43}$/);
      expect(final()!.searchParams.get('state')).toBe('browser-state');
      expect(final()!.searchParams.get('iss')).toBe(svc.issuer);
      await context.close();
    });

    it('carol signs in and denies: the client receives access_denied', async () => {
      const { context, page, final } = await toConsent('carol', 'carol-demo');
      await page.getByRole('button', { name: 'Deny' }).click();
      await expect.poll(final, { timeout: 15_000 }).toBeDefined();
      expect(Object.fromEntries(final()!.searchParams)).toEqual({
        error: 'access_denied',
        error_description: 'the user declined the request',
        state: 'browser-state',
        iss: svc.issuer,
      });
      await context.close();
    });
  },
);
