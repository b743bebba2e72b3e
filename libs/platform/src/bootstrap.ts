import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { ModuleRef } from '@nestjs/core';
import { json, type NextFunction, type Request, type Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { BaseEnvironment, ConfigurationError, loadEnvironment } from './config';
import { AccordExceptionFilter, bodyParserError, ERROR_STATUS, validationPipe, type ErrorStatusTable } from './errors';

/**
 * Validates the environment before anything starts. A missing or malformed setting (in
 * production also a development default or a short secret) stops the process with one
 * line naming every such setting, never a value (no stack trace), and exit code 78.
 */
export function loadEnvironmentOrExit<T extends object>(service: string, environmentClass: new () => T): T {
  try {
    return loadEnvironment(environmentClass);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`accord ${service}: ${error.message.replace(/[\r\n]+/g, ' ')}\n`);
      process.exit(78); // EX_CONFIG
    }
    throw error;
  }
}

export interface HttpAppOptions {
  service: string;
  title: string;
  description: string;
  port: number;
  /** Extra swagger set-up, e.g. bearer auth. */
  bearerAuth?: boolean;
  /**
   * The app's settings HOST (the address to listen on) and ACCORD_API_DOCS (whether /docs
   * is served). Without them (tests): 127.0.0.1, docs on.
   */
  environment?: Pick<BaseEnvironment, 'HOST' | 'ACCORD_API_DOCS'>;
}

/**
 * Every response's Content-Security-Policy: only this origin's scripts, styles, images and
 * API; nothing inline, no framing, no plug-ins. The hub console runs under it as it is.
 */
const CONTENT_SECURITY_POLICY: Record<string, string[]> = {
  'default-src': ["'none'"],
  'script-src': ["'self'"],
  'style-src': ["'self'"],
  'img-src': ["'self'", 'data:'],
  'connect-src': ["'self'"],
  'form-action': ["'self'"],
  'base-uri': ["'none'"],
  'frame-ancestors': ["'none'"],
};

/** Swagger UI's page carries inline <style> blocks and style attributes: /docs alone allows inline styles (never scripts). */
const DOCS_CONTENT_SECURITY_POLICY = { ...CONTENT_SECURITY_POLICY, 'style-src': ["'self'", "'unsafe-inline'"] };

/** Security headers (helmet): the strict policy everywhere, Swagger UI's under /docs. */
function securityHeaders() {
  const headers = (directives: Record<string, string[]>) =>
    helmet({ contentSecurityPolicy: { useDefaults: false, directives }, frameguard: { action: 'deny' } });
  const strict = headers(CONTENT_SECURITY_POLICY);
  const docs = headers(DOCS_CONTENT_SECURITY_POLICY);
  return (request: Request, response: Response, next: NextFunction) =>
    (request.path === '/docs' || request.path.startsWith('/docs/') ? docs : strict)(request, response, next);
}

/** The URL this process reaches the app at: a wildcard address is reached on loopback. */
function localUrl(host: string, port: number): string {
  if (host === '0.0.0.0' || host === '::') return `http://127.0.0.1:${port}`;
  return `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
}

/**
 * Options for NestFactory.create: Nest's own body parser is off because its errors quote
 * the body (which may hold an NHS number); startHttpApp installs one that does not.
 */
export const HTTP_APP_OPTIONS: NestApplicationOptions = { bufferLogs: true, bodyParser: false };

/** The largest JSON body any Accord API accepts. */
export const MAX_JSON_BODY = '1mb';

/** Body-parser failures reach the exception filter as Accord errors with fixed messages. */
function bodyParserErrors(error: unknown, _request: Request, _response: Response, next: NextFunction): void {
  next(bodyParserError(error, `The request body is larger than ${MAX_JSON_BODY}`) ?? error);
}

/** The status tables the app provides under ERROR_STATUS (none: every library error is a 500). */
function errorStatusTables(app: INestApplication): ErrorStatusTable {
  // Through ModuleRef: a missing provider asked of the app itself would end the process.
  try {
    return app.get(ModuleRef).get<ErrorStatusTable>(ERROR_STATUS, { strict: false });
  } catch {
    return {};
  }
}

/**
 * Logger, security headers, validation, error mapping, OpenAPI at /docs (unless
 * ACCORD_API_DOCS is off), graceful shutdown, then listen on HOST.
 */
export async function startHttpApp(app: INestApplication, options: HttpAppOptions): Promise<string> {
  const { HOST: host, ACCORD_API_DOCS: apiDocs } = options.environment ?? new BaseEnvironment();
  app.useLogger(app.get(Logger));
  app.use(securityHeaders());
  app.use(json({ limit: MAX_JSON_BODY }), bodyParserErrors);
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new AccordExceptionFilter(errorStatusTables(app)));
  app.enableShutdownHooks();
  if (apiDocs === 'on') {
    const document = new DocumentBuilder().setTitle(options.title).setDescription(options.description).setVersion('1');
    if (options.bearerAuth) document.addBearerAuth();
    SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document.build()), {
      jsonDocumentUrl: 'docs/openapi.json',
    });
  }
  await app.listen(options.port, host);
  const address = app.getHttpServer().address() as { port: number };
  // nestjs-pino reads a trailing string argument as the context, so the message carries the port itself.
  app.get(Logger).log(`${options.service} listening on port ${address.port} of ${host}`);
  return localUrl(host, address.port);
}

/**
 * How long a stopping app may take (Nest's shutdown hooks: consumers leave their groups,
 * the last offsets are committed, pools close) before it exits anyway. Each of those waits
 * on Kafka or Postgres, and with one of them down a graceful stop would never end: an
 * orchestrator's SIGKILL (10 s after SIGTERM in Kubernetes by default) would come first,
 * without a word in the log. Uncommitted work is consumed again by the next owner.
 */
export const SHUTDOWN_TIMEOUT_MS = 8000;

/**
 * Runs `main`, turning an unexpected start-up failure into one line and exit code 1, and
 * bounds a graceful stop: SIGTERM or SIGINT arms a timer that exits with code 1 after
 * SHUTDOWN_TIMEOUT_MS, saying so, if the shutdown hooks have not finished by then.
 */
export function runMain(service: string, main: () => Promise<void>, shutdownTimeoutMs = SHUTDOWN_TIMEOUT_MS): void {
  for (const signal of ['SIGTERM', 'SIGINT'] as const) {
    process.once(signal, () => {
      setTimeout(() => {
        process.stderr.write(`accord ${service}: graceful shutdown did not finish within ${shutdownTimeoutMs} ms (a dependency is down?); exiting\n`);
        process.exit(1);
      }, shutdownTimeoutMs).unref();
    });
  }
  main().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`accord ${service}: failed to start: ${reason}\n`);
    process.exit(1);
  });
}
