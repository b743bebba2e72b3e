import type { DynamicModule, INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { HTTP_APP_OPTIONS, loadEnvironment, startHttpApp } from '@accord/platform';
import { TEST_KAFKA_BROKERS, TEST_KAFKA_TLS_DIR } from './environment';

/** What `request` answers: the status, the body as JSON (undefined when it is not), the text and the headers. */
export interface AppResponse {
  status: number;
  body: any;
  text: string;
  headers: Headers;
}

/** fetch against the app at `url` with an optional bearer token; JSON in, JSON (or text) out. */
export type AppRequest = (method: string, path: string, options?: { token?: string; body?: unknown; contentType?: string; accept?: string }) => Promise<AppResponse>;

export function requestTo(url: string): AppRequest {
  return async (method, path, { token, body, contentType, accept } = {}) => {
    const headers: Record<string, string> = {};
    if (token) headers.authorization = `Bearer ${token}`;
    if (accept) headers.accept = accept;
    let payload: string | undefined;
    if (body !== undefined) {
      headers['content-type'] = contentType ?? 'application/json';
      payload = typeof body === 'string' ? body : JSON.stringify(body);
    }
    const response = await fetch(`${url}${path}`, { method, headers, body: payload });
    const text = await response.text();
    let parsed: unknown = undefined;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      parsed = undefined;
    }
    return { status: response.status, body: parsed, text, headers: response.headers };
  };
}

export interface RunningApp {
  app: INestApplication;
  url: string;
  /** fetch against the app with an optional bearer token; JSON in, JSON (or text) out. */
  request: AppRequest;
  close(): Promise<void>;
}

/**
 * Starts a real app in this process on a free port, with its real modules, against the
 * real Kafka and the test file's own database. Only the environment differs.
 */
export async function startTestApp<T extends object>(options: {
  service: string;
  environmentClass: new () => T;
  environment: Record<string, string>;
  module: (environment: T) => DynamicModule;
}): Promise<RunningApp> {
  const environment = loadEnvironment(options.environmentClass, {
    KAFKA_BROKERS: TEST_KAFKA_BROKERS.join(','),
    KAFKA_TLS_DIR: TEST_KAFKA_TLS_DIR,
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    ...options.environment,
  });
  const app = await NestFactory.create(options.module(environment), { ...HTTP_APP_OPTIONS, logger: false });
  const url = await startHttpApp(app, { service: options.service, title: options.service, description: 'test', port: 0 });
  return {
    app,
    url,
    request: requestTo(url),
    close: () => app.close(),
  };
}
