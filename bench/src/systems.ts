import { randomBytes } from 'node:crypto';
import { generateDevelopmentKeyPair } from '@accord/audit-chain';
import { freePort } from '@accord/testing';
import { ChildApp, ProcessSet, waitForHttp } from './processes';
import type { BatchSettings } from './batch-settings';
import { BENCH_PSEUDONYMISATION_SECRET, BENCH_SUBJECT_KEY_SECRET } from './scenario';

/** A consume→produce process under measurement: the real broker, or the passthrough baseline. */
export interface SystemUnderTest {
  kind: 'broker' | 'passthrough';
  app: ProcessSet;
  groupId: string;
  /** Where its output records land. */
  outputTopics: string[];
  /** Each process's Prometheus endpoint, when it has one (the broker). */
  metricsUrls?: string[];
  stop(): Promise<void>;
}

export interface BrokerOptions {
  runId: string;
  databaseUrl: string;
  kafkaBrokers: string[];
  groupId: string;
  /** Regular expression over topic names: only this run's events topics. */
  topicPattern: string;
  inboxTopics: string[];
  settings: BatchSettings;
  /** Broker processes in the consumer group (BENCH_BROKER_INSTANCES; 1 by default). */
  instances?: number;
}

/** The sharing broker as it runs in production (its own Node process, Nest app, health on BROKER_PORT), as many instances as asked: members of one consumer group. */
export async function startBroker(options: BrokerOptions): Promise<SystemUnderTest> {
  const count = options.instances ?? 1;
  // Started together, so that they join the group at about the same moment rather than one draining alone first.
  const apps: ChildApp[] = [];
  const ports: number[] = [];
  for (let instance = 0; instance < count; instance++) {
    const port = await freePort();
    ports.push(port);
    apps.push(
      ChildApp.start(`${options.runId}-broker${count > 1 ? `-${instance + 1}` : ''}`, 'apps/sharing-broker/src/main.ts', {
        DATABASE_URL: options.databaseUrl,
        KAFKA_BROKERS: options.kafkaBrokers.join(','),
        BROKER_GROUP_ID: options.groupId,
        BROKER_PORT: String(port),
        BROKER_TOPIC_PATTERN: options.topicPattern,
        BROKER_TOPIC_REFRESH_MS: '1000',
        LOG_LEVEL: process.env.BENCH_CHILD_LOG_LEVEL ?? 'warn',
        ACCORD_SUBJECT_KEY_SECRET: BENCH_SUBJECT_KEY_SECRET,
        ACCORD_PSEUDONYMISATION_SECRET: BENCH_PSEUDONYMISATION_SECRET,
        ...options.settings.brokerEnvironment,
        ...(process.env.BENCH_BROKER_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_BROKER_NODE_OPTIONS } : {}),
      }, (process.env.BENCH_BROKER_NODE_ARGS ?? '').split(/\s+/).filter(Boolean)),
    );
  }
  try {
    await Promise.all(apps.map((app, index) => waitForHttp(app, `http://127.0.0.1:${ports[index]}/health`)));
  } catch (error) {
    await Promise.all(apps.map((app) => app.stop()));
    throw error;
  }
  const set = new ProcessSet(apps);
  return {
    kind: 'broker',
    app: set,
    groupId: options.groupId,
    outputTopics: options.inboxTopics,
    metricsUrls: ports.map((port) => `http://127.0.0.1:${port}/metrics`),
    stop: () => set.stop(),
  };
}

export interface PassthroughProcessOptions {
  runId: string;
  kafkaBrokers: string[];
  groupId: string;
  sourceTopics: string[];
  outputTopic: string;
  settings: BatchSettings;
}

export async function startPassthroughProcess(options: PassthroughProcessOptions): Promise<SystemUnderTest> {
  const app = ChildApp.start(`${options.runId}-passthrough`, 'bench/src/passthrough-main.ts', {
    KAFKA_BROKERS: options.kafkaBrokers.join(','),
    PASSTHROUGH_GROUP_ID: options.groupId,
    PASSTHROUGH_SOURCE_TOPICS: options.sourceTopics.join(','),
    PASSTHROUGH_OUTPUT_TOPIC: options.outputTopic,
    PASSTHROUGH_SETTINGS: JSON.stringify(options.settings),
  });
  return { kind: 'passthrough', app: new ProcessSet([app]), groupId: options.groupId, outputTopics: [options.outputTopic], stop: () => app.stop() };
}

export interface HubApi {
  app: ChildApp;
  url: string;
  /** An admin token (admin may call every route). */
  token: string;
  stop(): Promise<void>;
}

/**
 * hub-api in its own process against a benchmark database, with a fresh signing key and
 * checkpoint sealing off (AUDIT_CHECKPOINT_INTERVAL_SECONDS=0) so no background
 * verification competes with what is measured.
 */
export async function startHubApi(options: { name: string; databaseUrl: string; kafkaBrokers: string[]; readyTimeoutMs?: number }): Promise<HubApi> {
  const port = await freePort();
  const token = `bench-${randomBytes(16).toString('hex')}`;
  const app = ChildApp.start(options.name, 'apps/hub-api/src/main.ts', {
    DATABASE_URL: options.databaseUrl,
    KAFKA_BROKERS: options.kafkaBrokers.join(','),
    HUB_API_PORT: String(port),
    LOG_LEVEL: process.env.BENCH_CHILD_LOG_LEVEL ?? 'warn',
    ACCORD_ADMIN_TOKEN: token,
    ACCORD_SUBJECT_KEY_SECRET: BENCH_SUBJECT_KEY_SECRET,
    AUDIT_SIGNING_KEY: generateDevelopmentKeyPair().privateKeyPem,
    AUDIT_CHECKPOINT_INTERVAL_SECONDS: '0',
    AUDIT_RETENTION_DAYS: '0',
  });
  const url = `http://127.0.0.1:${port}`;
  try {
    await waitForHttp(app, `${url}/health`, options.readyTimeoutMs ?? 120_000);
  } catch (error) {
    await app.stop();
    throw error;
  }
  return { app, url, token, stop: () => app.stop() };
}
