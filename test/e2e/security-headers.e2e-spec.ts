import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { chromium, type Browser, type Page } from 'playwright-core';
import { HTTP_APP_OPTIONS, loggingModule, startHttpApp } from '@accord/platform';
import { ConsoleController } from '../../apps/hub-api/src/console/console.controller';

/*
 * The security headers every app sends (helmet, installed by startHttpApp), in a real
 * browser (Debian's chromium, driven by playwright-core): Swagger UI at /docs and the hub
 * console at / work under them with no Content-Security-Policy violation, and Swagger UI's
 * "Try it out" reaches the API. A minimal app serves both: no Kafka or Postgres needed.
 */

const CHROMIUM = process.env.ACCORD_CHROMIUM ?? '/usr/bin/chromium';

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

@Module({ imports: [loggingModule('security-headers-e2e', 'silent')], controllers: [PingController, ConsoleController] })
class ExampleModule {}

/** A page that reports every CSP violation and script error it meets. */
async function watchedPage(browser: Browser): Promise<{ page: Page; problems: string[] }> {
  const page = await browser.newPage();
  const problems: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|CSP violation/i.test(message.text())) problems.push(message.text());
  });
  page.on('pageerror', (error) => problems.push(`script error: ${error.message}`));
  await page.addInitScript({
    content: "document.addEventListener('securitypolicyviolation', (event) => console.error('CSP violation: ' + event.violatedDirective + ' ' + event.blockedURI));",
  });
  return { page, problems };
}

describe('security headers in a browser', () => {
  let app: INestApplication;
  let url: string;
  let browser: Browser;

  beforeAll(async () => {
    app = await NestFactory.create(ExampleModule, { ...HTTP_APP_OPTIONS, logger: false });
    url = await startHttpApp(app, {
      service: 'security-headers-e2e',
      title: 'Security headers example',
      description: 'test',
      port: 0,
      bearerAuth: true,
      environment: { HOST: '127.0.0.1', ACCORD_API_DOCS: 'on' },
    });
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
  });

  afterAll(async () => {
    await browser?.close();
    await app?.close();
  });

  it('Swagger UI renders at /docs and its "Try it out" calls the API, with no CSP violation', async () => {
    const { page, problems } = await watchedPage(browser);
    const response = await page.goto(`${url}/docs`);
    expect(response?.headers()['content-security-policy']).toContain("style-src 'self' 'unsafe-inline'");
    await page.waitForSelector('.opblock-summary', { timeout: 30_000 });
    expect(await page.textContent('.title')).toContain('Security headers example');
    await page.click('.opblock-summary');
    await page.click('button.try-out__btn');
    await page.click('button.execute');
    await page.waitForSelector('.live-responses-table .response-col_status', { timeout: 30_000 });
    expect(await page.textContent('.live-responses-table')).toContain('"ok": true');
    expect(problems).toEqual([]);
    await page.close();
  });

  it('the hub console loads at / with its scripts and styles, with no CSP violation', async () => {
    const { page, problems } = await watchedPage(browser);
    const response = await page.goto(`${url}/`);
    expect(response?.headers()['x-frame-options']).toBe('DENY');
    expect(response?.headers()['content-security-policy']).not.toContain('unsafe-inline');
    // Its stylesheet applied; its module script runs the sign-in, whose API call (this app
    // has no hub API: 404) comes back as a message on the page.
    expect(await page.evaluate<string>('getComputedStyle(document.body).fontFamily')).toMatch(/system-ui/);
    await page.fill('#token', 'not-a-token');
    await page.click('#sign-in-form button[type=submit]');
    await page.waitForFunction("document.querySelector('#sign-in-error').textContent.trim().length > 0", undefined, { timeout: 30_000 });
    expect(problems).toEqual([]);
    await page.close();
  });
});
