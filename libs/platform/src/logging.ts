import { RequestMethod, type DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type LoggerOptions } from 'pino';
import { isError, redactPaths, scrubObject, scrubText, serializeError } from './redaction';

type Serializers = Record<string, (value: any) => unknown>;

/**
 * pino options shared by the Nest logger and the plain loggers of scripts and Kafka.
 * Every argument of every log call is scrubbed before pino sees it (the `logMethod` hook):
 * messages and their format arguments by `scrubText`, objects by `scrubObject`, errors
 * (`err`, a logged Error, and any error nested anywhere) by `serializeError`. Keys in
 * `ownSerializers` are left to those serializers, which must themselves emit nothing personal.
 */
export function loggerOptions(service: string, level: string, ownSerializers: Serializers = {}): LoggerOptions {
  const serializers: Serializers = { ...ownSerializers, err: serializeError };
  const scrubFields = (object: Record<string, unknown>) => scrubLogObject(object, ownSerializers);
  return {
    level,
    base: { service },
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths(), censor: '[REDACTED]' },
    formatters: {
      level: (label) => ({ level: label }),
      bindings: scrubFields,
    },
    hooks: {
      logMethod(args, method) {
        method.apply(this, scrubLogArguments(args, ownSerializers) as Parameters<typeof method>);
      },
    },
    serializers,
  };
}

/**
 * A log call's arguments made safe. pino takes the message from an error's own `message`
 * when none is given, before any serializer or formatter runs, so errors are serialized here.
 */
function scrubLogArguments(args: unknown[], ownSerializers: Serializers): unknown[] {
  const [first, ...rest] = args;
  const formatArguments = rest.map((argument) => (typeof argument === 'string' ? scrubText(argument) : scrubObject(argument)));
  if (typeof first === 'string') return [scrubText(first), ...formatArguments];
  if (isError(first)) return [{ err: serializeError(first) }, ...formatArguments];
  if (first === null || typeof first !== 'object') return [first, ...formatArguments];
  return [scrubLogObject(first as Record<string, unknown>, ownSerializers), ...formatArguments];
}

/** The fields of a log object or child bindings, scrubbed; keys with their own serializer pass through to it. */
function scrubLogObject(object: Record<string, unknown>, ownSerializers: Serializers): Record<string, unknown> {
  const owns = (key: string) => Object.prototype.hasOwnProperty.call(ownSerializers, key);
  const others: Record<string, unknown> = {};
  for (const key of Object.keys(object)) if (!owns(key)) others[key] = object[key];
  const scrubbed = scrubObject(others);
  const result: Record<string, unknown> = {};
  for (const key of Object.keys(object)) result[key] = owns(key) ? object[key] : scrubbed[key];
  return result;
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino(loggerOptions(service, level));
}

/** Requests are logged by method and scrubbed URL; headers, bodies and addresses never. */
const HTTP_SERIALIZERS: Serializers = {
  req: (request: { id: unknown; method: string; url: string; originalUrl?: string }) => ({
    id: request.id,
    method: request.method,
    url: scrubText(request.originalUrl ?? request.url),
  }),
  res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
};

/** The Nest logger module: JSON lines, request logging without bodies, personal data redacted. */
export function loggingModule(service: string, level: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      ...loggerOptions(service, level, HTTP_SERIALIZERS),
      // The serializers above receive the raw request, response and error: pino-http's
      // standard ones would copy every field of an error before `serializeError` saw it.
      wrapSerializers: false,
      autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
    },
    // Probes and scrapes skip the request logger altogether: its per-request context
    // (AsyncLocalStorage) would otherwise switch on Node's promise hooks for good, and the
    // sharing broker, which serves nothing else, would pay them on every promise of its hot path.
    exclude: [
      { method: RequestMethod.ALL, path: 'health' },
      { method: RequestMethod.ALL, path: 'metrics' },
    ],
  });
}
