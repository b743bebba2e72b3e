import type { AddressInfo } from 'node:net';
import { Controller, Get, Module, type INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HTTP_APP_OPTIONS, loadEnvironmentOrExit, startHttpApp } from './bootstrap';
import { BaseEnvironment, secretSetting } from './config';
import { loggingModule } from './logging';
import { ERROR_STATUS } from './errors';

class ExampleEnvironment extends BaseEnvironment {
  @secretSetting('EXAMPLE_TOKEN', { minLength: 16 })
  EXAMPLE_TOKEN: string = 'example-development-token';
}

class Exited extends Error {}

/** Runs loadEnvironmentOrExit with `environment` as process.env, catching what it writes and its exit code. */
function runLoad(environment: Record<string, string>): { stderr: string[]; code: number | undefined; result?: ExampleEnvironment } {
  const stderr: string[] = [];
  let code: number | undefined;
  jest.replaceProperty(process, 'env', environment);
  const write = jest.spyOn(process.stderr, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stderr.push(String(chunk));
    return true;
  });
  const exit = jest.spyOn(process, 'exit').mockImplementation((status?: string | number | null) => {
    code = Number(status);
    throw new Exited();
  });
  try {
    return { stderr, code, result: loadEnvironmentOrExit('example', ExampleEnvironment) };
  } catch (error) {
    if (!(error instanceof Exited)) throw error;
    return { stderr, code };
  } finally {
    write.mockRestore();
    exit.mockRestore();
    jest.restoreAllMocks();
  }
}

describe('loadEnvironmentOrExit', () => {
  it('in production with development defaults, writes one line naming every one of them (no value) and exits 78', () => {
    const { stderr, code } = runLoad({ NODE_ENV: 'production', EXAMPLE_TOKEN: 'short-but-secret' });
    expect(code).toBe(78);
    expect(stderr).toHaveLength(1);
    const line = stderr[0]!;
    expect(line.endsWith('\n')).toBe(true);
    expect(line.slice(0, -1)).not.toContain('\n');
    expect(line).toMatch(/^accord example: invalid configuration: /);
    expect(line).toContain('KAFKA_TLS_DIR must not be a development default in production');
    expect(line).toContain('ACCORD_SUBJECT_KEY_SECRET must not be a development default in production');
    expect(line).toContain('EXAMPLE_TOKEN must be at least 32 characters in production');
    expect(line).not.toContain('short-but-secret');
    expect(line).not.toContain('.run/pki');
  });

  it('starts with what it loaded when production sets values of its own', () => {
    const { stderr, code, result } = runLoad({
      NODE_ENV: 'production',
      KAFKA_TLS_DIR: '/run/secrets/kafka',
      ACCORD_SUBJECT_KEY_SECRET: 'a-production-subject-key-secret-0123456789',
      EXAMPLE_TOKEN: 'a-production-example-token-0123456789',
    });
    expect({ stderr, code }).toEqual({ stderr: [], code: undefined });
    expect(result).toMatchObject({ NODE_ENV: 'production', ACCORD_API_DOCS: 'off', HOST: '127.0.0.1' });
  });
});

@Controller()
class PingController {
  @Get('ping')
  ping(): { ok: boolean } {
    return { ok: true };
  }
}

/** A pure library's error: a code, no HTTP. */
class ExampleLibraryError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

@Controller('library')
class LibraryErrorController {
  @Get('refused')
  refused(): never {
    throw new ExampleLibraryError('example-value-refused', 'cannot use the value at data.note');
  }

  @Get('broken')
  broken(): never {
    throw new ExampleLibraryError('example-state-broken', 'the stored head at seq 42 is malformed');
  }

  @Get('unknown')
  unknown(): never {
    throw new ExampleLibraryError('example-not-in-any-table', 'whatever went wrong');
  }
}

@Module({
  imports: [loggingModule('bootstrap-test', 'silent')],
  controllers: [PingController, LibraryErrorController],
  providers: [{ provide: ERROR_STATUS, useValue: { 'example-value-refused': 422, 'example-state-broken': 500 } }],
})
class PingModule {}

async function start(environment?: Pick<BaseEnvironment, 'HOST' | 'ACCORD_API_DOCS'>): Promise<{ app: INestApplication; url: string }> {
  const app = await NestFactory.create(PingModule, { ...HTTP_APP_OPTIONS, logger: false });
  const url = await startHttpApp(app, { service: 'bootstrap-test', title: 'test', description: 'test', port: 0, environment });
  return { app, url };
}

/** The directives of a Content-Security-Policy header, by name. */
function directives(header: string | null): Record<string, string> {
  return Object.fromEntries((header ?? '').split(';').map((part) => part.trim().split(/\s+/)).map(([name, ...values]) => [name, values.join(' ')]));
}

describe('startHttpApp', () => {
  const apps: INestApplication[] = [];
  afterAll(async () => {
    for (const app of apps) await app.close();
  });
  const started = async (environment?: Pick<BaseEnvironment, 'HOST' | 'ACCORD_API_DOCS'>) => {
    const running = await start(environment);
    apps.push(running.app);
    return running;
  };

  it('sets security headers on every response, a strict Content-Security-Policy outside /docs', async () => {
    const { url } = await started({ HOST: '127.0.0.1', ACCORD_API_DOCS: 'on' });
    for (const path of ['/ping', '/no-such-route']) {
      const response = await fetch(`${url}${path}`);
      expect(response.status).toBe(path === '/ping' ? 200 : 404);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
      expect(response.headers.get('referrer-policy')).toBe('no-referrer');
      expect(response.headers.get('strict-transport-security')).toMatch(/max-age=\d+/);
      expect(response.headers.get('cross-origin-opener-policy')).toBe('same-origin');
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(directives(response.headers.get('content-security-policy'))).toEqual({
        'default-src': "'none'",
        'script-src': "'self'",
        'style-src': "'self'",
        'img-src': "'self' data:",
        'connect-src': "'self'",
        'form-action': "'self'",
        'base-uri': "'none'",
        'frame-ancestors': "'none'",
      });
    }
  });

  it('serves Swagger UI at /docs with inline styles allowed there alone, never inline scripts', async () => {
    const { url } = await started({ HOST: '127.0.0.1', ACCORD_API_DOCS: 'on' });
    const page = await fetch(`${url}/docs`);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('swagger-ui');
    const policy = directives(page.headers.get('content-security-policy'));
    expect(policy['style-src']).toBe("'self' 'unsafe-inline'");
    expect(policy['script-src']).toBe("'self'");
    expect(policy['frame-ancestors']).toBe("'none'");
    const document = await fetch(`${url}/docs/openapi.json`);
    expect(document.status).toBe(200);
    expect(((await document.json()) as { paths: object }).paths).toHaveProperty('/ping');
  });

  it('serves no /docs when ACCORD_API_DOCS is off, and the API still answers', async () => {
    const { url } = await started({ HOST: '127.0.0.1', ACCORD_API_DOCS: 'off' });
    for (const path of ['/docs', '/docs/', '/docs/openapi.json', '/docs/swagger-ui-init.js']) expect((await fetch(`${url}${path}`)).status).toBe(404);
    expect((await fetch(`${url}/ping`)).status).toBe(200);
  });

  it("answers a library's errors with the status the app's table gives their code; a hub-side failure without its detail", async () => {
    const { url } = await started({ HOST: '127.0.0.1', ACCORD_API_DOCS: 'off' });
    const answer = async (path: string) => {
      const response = await fetch(`${url}/library/${path}`);
      return { status: response.status, body: await response.json() };
    };
    expect(await answer('refused')).toEqual({ status: 422, body: { code: 'example-value-refused', message: 'cannot use the value at data.note' } });
    expect(await answer('broken')).toEqual({ status: 500, body: { code: 'example-state-broken', message: 'An internal error occurred' } });
    expect(await answer('unknown')).toEqual({ status: 500, body: { code: 'internal', message: 'An internal error occurred' } });
  });

  it('listens on HOST: 127.0.0.1 by default, every interface when told, and returns a URL that reaches it', async () => {
    const loopback = await started();
    expect((loopback.app.getHttpServer().address() as AddressInfo).address).toBe('127.0.0.1');
    expect(loopback.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const everywhere = await started({ HOST: '0.0.0.0', ACCORD_API_DOCS: 'off' });
    expect((everywhere.app.getHttpServer().address() as AddressInfo).address).toBe('0.0.0.0');
    expect(everywhere.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect((await fetch(`${everywhere.url}/ping`)).status).toBe(200);
  });
});
