import type { INestApplication, NestApplicationOptions } from '@nestjs/common';
import { json, type NextFunction, type Request, type Response } from 'express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { Logger } from 'nestjs-pino';
import { ConfigurationError, loadEnvironment } from './config';
import { AccordExceptionFilter, bodyParserError, validationPipe } from './errors';

/**
 * Validates the environment before anything starts. A missing or malformed setting stops
 * the process with one clear line (no stack trace), as operators expect.
 */
export function loadEnvironmentOrExit<T extends object>(service: string, environmentClass: new () => T): T {
  try {
    return loadEnvironment(environmentClass);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`accord ${service}: ${error.message}\n`);
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

/** Logger, validation, error mapping, OpenAPI at /docs, graceful shutdown, then listen. */
export async function startHttpApp(app: INestApplication, options: HttpAppOptions): Promise<string> {
  app.useLogger(app.get(Logger));
  app.use(json({ limit: MAX_JSON_BODY }), bodyParserErrors);
  app.useGlobalPipes(validationPipe());
  app.useGlobalFilters(new AccordExceptionFilter());
  app.enableShutdownHooks();
  const document = new DocumentBuilder().setTitle(options.title).setDescription(options.description).setVersion('1');
  if (options.bearerAuth) document.addBearerAuth();
  SwaggerModule.setup('docs', app, () => SwaggerModule.createDocument(app, document.build()), {
    jsonDocumentUrl: 'docs/openapi.json',
  });
  await app.listen(options.port, '0.0.0.0');
  const address = app.getHttpServer().address() as { port: number };
  app.get(Logger).log({ port: address.port }, `${options.service} listening`);
  return `http://127.0.0.1:${address.port}`;
}

/** Runs `main`, turning an unexpected start-up failure into one line and exit code 1. */
export function runMain(service: string, main: () => Promise<void>): void {
  main().catch((error: unknown) => {
    const reason = error instanceof Error ? error.message : String(error);
    process.stderr.write(`accord ${service}: failed to start: ${reason}\n`);
    process.exit(1);
  });
}
