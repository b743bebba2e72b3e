import {
  ArgumentsHost,
  BadRequestException,
  Catch,
  ExceptionFilter,
  HttpException,
  HttpStatus,
  Logger,
  ValidationError,
  ValidationPipe,
} from '@nestjs/common';
import type { Request, RequestHandler, Response } from 'express';

export interface Problem {
  path: string;
  problem: string;
}

/** The one error body every Accord HTTP API returns: what was wrong and where. */
export interface ErrorBody {
  code: string;
  message: string;
  problems?: Problem[];
}

/**
 * An error an area of the hub raises on purpose, with a stable code partners can
 * match on. Each area subclasses it (AgreementInvalid, ConsentScopeUnknown, ...).
 */
export class AccordError extends Error {
  /** Response headers the error answers with (e.g. `Retry-After` on a 429). */
  headers?: Record<string, string>;

  constructor(
    readonly code: string,
    message: string,
    readonly status: number = HttpStatus.BAD_REQUEST,
    readonly problems?: Problem[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class InvalidRequest extends AccordError {
  constructor(problems: Problem[], message = 'The request is invalid') {
    super('invalid-request', message, HttpStatus.BAD_REQUEST, problems);
  }
}

/** Flattens class-validator errors into `{ path, problem }`, one per failed constraint. */
export function problemsFrom(errors: ValidationError[], parent = ''): Problem[] {
  return errors.flatMap((error) => {
    const path = parent ? `${parent}.${error.property}` : error.property;
    const own = Object.values(error.constraints ?? {}).map((problem) => ({ path, problem }));
    return [...own, ...problemsFrom(error.children ?? [], path)];
  });
}

/** Validates every body, query and param: unknown properties are problems; all are listed. */
export function validationPipe(): ValidationPipe {
  return new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    validationError: { target: false, value: false },
    exceptionFactory: (errors) => new InvalidRequest(problemsFrom(errors)),
  });
}

/**
 * A body parser's failure (body-parser / express: errors with a numeric `status`) as an
 * AccordError with a fixed message: its own messages can quote the body, and a body may
 * hold an NHS number. `tooLarge` states the size limit in the caller's words. Anything
 * else is not a body-parser failure: undefined.
 */
export function bodyParserError(error: unknown, tooLarge: string): AccordError | undefined {
  const { type, status } = (error ?? {}) as { type?: unknown; status?: unknown };
  if (typeof status !== 'number') return undefined;
  if (type === 'entity.parse.failed') return new AccordError('malformed-body', 'The request body is not valid JSON', HttpStatus.BAD_REQUEST);
  if (status === HttpStatus.PAYLOAD_TOO_LARGE) return new AccordError('payload-too-large', tooLarge, HttpStatus.PAYLOAD_TOO_LARGE);
  if (status === HttpStatus.UNSUPPORTED_MEDIA_TYPE) {
    return new AccordError('unsupported-media-type', 'The body uses an unsupported character set or encoding', HttpStatus.UNSUPPORTED_MEDIA_TYPE);
  }
  return new AccordError('bad-request', 'The request body could not be read', status >= 400 && status < 500 ? status : HttpStatus.BAD_REQUEST);
}

/**
 * A route's own body parser as middleware (`consumer.apply(routeBody(…)).forRoutes(…)`):
 * it rejects with bodyParserError's answer (else the parser's own error), which Nest hands
 * to the exception filter, so the failure comes back in the one error format.
 */
export function routeBody(parser: RequestHandler, tooLarge: string): (request: Request, response: Response, next: (error?: unknown) => void) => Promise<void> {
  return async (request, response, next) => {
    await new Promise<void>((resolve, reject) => {
      void parser(request, response, (error?: unknown) => (error ? reject(bodyParserError(error, tooLarge) ?? error) : resolve()));
    });
    next();
  };
}

const CODES: Record<number, string> = {
  400: 'bad-request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not-found',
  409: 'conflict',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  422: 'unprocessable',
  503: 'unavailable',
};

/**
 * Status by code for the errors pure libs throw (`<Lib>Error` with a `code`, no HTTP): the
 * app surfacing them declares the table (e.g. AUDIT_CHAIN_ERROR_STATUS) and provides the
 * tables it needs under ERROR_STATUS; startHttpApp gives them to the filter.
 */
export type ErrorStatusTable = Readonly<Record<string, number>>;
export const ERROR_STATUS = Symbol('ERROR_STATUS');

/** Maps every error to `{ code, message, problems }`; never a stack trace or SQL to a client. */
@Catch()
export class AccordExceptionFilter implements ExceptionFilter {
  private readonly logger = new Logger('errors');

  constructor(private readonly statusByCode: ErrorStatusTable = {}) {}

  catch(exception: unknown, host: ArgumentsHost): void {
    const response = host.switchToHttp().getResponse<Response>();
    const { status, body } = this.describe(exception);
    // An AccordError is an answer chosen on purpose (a 503 while a dependency is down): a
    // warning with its code; anything else reaching here is a defect, logged with its error.
    if (status >= 500 && exception instanceof AccordError) this.logger.warn({ code: exception.code, status }, exception.message);
    else if (status >= 500) this.logger.error({ err: exception, code: body.code }, 'unhandled error');
    if (exception instanceof AccordError && exception.headers) response.set(exception.headers);
    this.respond(response, status, body);
  }

  /** Writes the error; a filter for another media type (FHIR's OperationOutcome) overrides this only. */
  protected respond(response: Response, status: number, body: ErrorBody): void {
    response.status(status).json(body);
  }

  private describe(exception: unknown): { status: number; body: ErrorBody } {
    if (exception instanceof AccordError) {
      return {
        status: exception.status,
        body: { code: exception.code, message: exception.message, ...(exception.problems ? { problems: exception.problems } : {}) },
      };
    }
    const libraryCode = codeOf(exception);
    const libraryStatus = libraryCode === undefined ? undefined : this.statusByCode[libraryCode];
    if (libraryCode !== undefined && libraryStatus !== undefined) {
      // A library's messages name no personal data; a 5xx is the hub's fault, so its detail stays in the log.
      const message = libraryStatus < 500 ? (exception as Error).message : 'An internal error occurred';
      return { status: libraryStatus, body: { code: libraryCode, message } };
    }
    if (exception instanceof HttpException) {
      const status = exception.getStatus();
      const response = exception.getResponse();
      const message =
        typeof response === 'string'
          ? response
          : typeof (response as { message?: unknown }).message === 'string'
            ? (response as { message: string }).message
            : exception.message;
      if (exception instanceof BadRequestException && typeof response === 'object') {
        const messages = (response as { message?: unknown }).message;
        if (Array.isArray(messages)) {
          return {
            status,
            body: { code: 'bad-request', message: 'The request is invalid', problems: messages.map((problem) => ({ path: '', problem: String(problem) })) },
          };
        }
      }
      return { status, body: { code: CODES[status] ?? 'error', message } };
    }
    return { status: 500, body: { code: 'internal', message: 'An internal error occurred' } };
  }
}

function codeOf(exception: unknown): string | undefined {
  if (!(exception instanceof Error)) return undefined;
  const { code } = exception as { code?: unknown };
  return typeof code === 'string' ? code : undefined;
}
