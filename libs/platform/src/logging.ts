import type { DynamicModule } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import pino, { type LoggerOptions } from 'pino';
import { redactPaths, scrubObject, scrubText } from './redaction';

/** pino options shared by the Nest logger and the plain loggers of scripts and Kafka. */
export function loggerOptions(service: string, level: string): LoggerOptions {
  return {
    level,
    base: { service },
    messageKey: 'message',
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: redactPaths(), censor: '[REDACTED]' },
    formatters: {
      level: (label) => ({ level: label }),
      log: (object) => scrubObject(object),
    },
    hooks: {
      // Interpolated message strings are scrubbed too; structured fields go through `log` above.
      logMethod(args, method) {
        const scrubbed = args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>;
        method.apply(this, scrubbed);
      },
    },
    serializers: {
      err: pino.stdSerializers.err,
    },
  };
}

export function createLogger(service: string, level = process.env.LOG_LEVEL ?? 'info'): pino.Logger {
  return pino(loggerOptions(service, level));
}

/** The Nest logger module: JSON lines, request logging without bodies, personal data redacted. */
export function loggingModule(service: string, level: string): DynamicModule {
  return LoggerModule.forRoot({
    pinoHttp: {
      ...loggerOptions(service, level),
      autoLogging: { ignore: (request) => request.url === '/health' || request.url === '/metrics' },
      serializers: {
        req: (request: { id: unknown; method: string; url: string }) => ({
          id: request.id,
          method: request.method,
          url: scrubText(request.url),
        }),
        res: (response: { statusCode: number }) => ({ statusCode: response.statusCode }),
        err: pino.stdSerializers.err,
      },
    },
  });
}
