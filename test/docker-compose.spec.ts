/**
 * docker-compose.yml cannot be run here (no Docker), so this checks its shape: the 3-node
 * KRaft cluster is consistent, Postgres is healthy-checked, and every app gets its port and
 * every setting it requires.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';

type Environment = Record<string, string | number | boolean | null>;
interface Service {
  image?: string;
  build?: { context?: string; dockerfile?: string; args?: Record<string, string> } | string;
  environment?: Environment | string[];
  ports?: (string | { target: number; published?: string | number })[];
  depends_on?: string[] | Record<string, { condition?: string }>;
  healthcheck?: { test?: string | string[] };
  volumes?: (string | { target: string })[];
  command?: string | string[];
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

const ROOT = resolve(__dirname, '..');
const compose = parse(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8'), { merge: true }) as Compose;
const services = compose.services;

function environmentOf(service: Service): Record<string, string> {
  const env = service.environment ?? {};
  if (Array.isArray(env)) {
    return Object.fromEntries(env.map((entry) => [entry.split('=')[0], entry.slice(entry.indexOf('=') + 1)]));
  }
  return Object.fromEntries(Object.entries(env).map(([key, value]) => [key, value === null ? '' : String(value)]));
}

/** Container ports a service publishes. */
function containerPorts(service: Service): number[] {
  return (service.ports ?? []).map((port) => {
    if (typeof port === 'object') return port.target;
    const parts = port.replace(/\/(tcp|udp)$/, '').split(':');
    return Number(parts[parts.length - 1]);
  });
}

function dependsOn(service: Service): string[] {
  const deps = service.depends_on ?? [];
  return Array.isArray(deps) ? deps : Object.keys(deps);
}

const KAFKA_NODES = ['kafka-1', 'kafka-2', 'kafka-3'];

const SHARED_APP_ENV = ['KAFKA_BROKERS', 'DATABASE_URL', 'LOG_LEVEL', 'ACCORD_SUBJECT_KEY_SECRET'];
const APPS: Record<string, { port: number; portVar: string; env: Record<string, string | RegExp> }> = {
  'hub-api': {
    port: 3000,
    portVar: 'HUB_API_PORT',
    env: { ACCORD_ADMIN_TOKEN: /^\$\{ACCORD_ADMIN_TOKEN:\?.+\}$/, AUDIT_SIGNING_KEY: /^\$\{AUDIT_SIGNING_KEY:\?.+\}$/ },
  },
  'sharing-broker': {
    port: 3010,
    portVar: 'BROKER_PORT',
    env: { ACCORD_PSEUDONYMISATION_SECRET: /^\$\{ACCORD_PSEUDONYMISATION_SECRET:\?.+\}$/ },
  },
  'adult-social-care': { port: 3001, portVar: 'ASC_PORT', env: { ASC_PARTICIPANT: 'southampton.adult-social-care' } },
  'public-health': { port: 3002, portVar: 'PH_PORT', env: { PH_PARTICIPANT: 'hampshire.public-health' } },
  'revenues-benefits': {
    port: 3003,
    portVar: 'RB_PORT',
    env: { RB_PARTICIPANTS: 'southampton.revenues-benefits,dorset.revenues-benefits' },
  },
};

describe('docker-compose.yml', () => {
  describe('Kafka: 3 combined KRaft nodes', () => {
    const kafka = KAFKA_NODES.map((name) => ({ name, service: services[name], env: environmentOf(services[name] ?? {}) }));

    it('has exactly three Kafka nodes on the official apache/kafka 4.1 image, matching infra/kafka', () => {
      const kafkaServices = Object.entries(services).filter(([, s]) => (s.image ?? '').startsWith('apache/kafka'));
      expect(kafkaServices.map(([name]) => name).sort()).toEqual(KAFKA_NODES);
      const script = readFileSync(resolve(ROOT, 'infra/kafka/kafka.sh'), 'utf8');
      const devVersion = /^KAFKA_VERSION=(\S+)/m.exec(script)?.[1];
      expect(devVersion).toMatch(/^4\.1\.\d+$/);
      for (const { service } of kafka) expect(service.image).toBe(`apache/kafka:${devVersion}`);
    });

    it('runs every node as broker and controller with a unique node id', () => {
      const ids = kafka.map(({ env }) => env.KAFKA_NODE_ID);
      expect(new Set(ids).size).toBe(3);
      for (const { env } of kafka) {
        expect(env.KAFKA_PROCESS_ROLES.split(',').map((r) => r.trim()).sort()).toEqual(['broker', 'controller']);
        expect(env.KAFKA_CONTROLLER_LISTENER_NAMES).toBe('CONTROLLER');
      }
    });

    it('shares one cluster id and one quorum that names every node on its controller listener', () => {
      const clusterIds = new Set(kafka.map(({ env }) => env.CLUSTER_ID));
      expect(clusterIds.size).toBe(1);
      expect([...clusterIds][0]).toMatch(/[A-Za-z0-9_-]{22}/);
      const voters = new Set(kafka.map(({ env }) => env.KAFKA_CONTROLLER_QUORUM_VOTERS));
      expect(voters.size).toBe(1);
      const parsed = [...voters][0].split(',').map((voter) => {
        const match = /^(\d+)@([a-z0-9-]+):(\d+)$/.exec(voter.trim());
        expect(match).not.toBeNull();
        return { id: match![1], host: match![2], port: match![3] };
      });
      expect(parsed.map((v) => v.host).sort()).toEqual(KAFKA_NODES);
      for (const { name, env } of kafka) {
        const voter = parsed.find((v) => v.host === name)!;
        expect(voter.id).toBe(env.KAFKA_NODE_ID);
        expect(env.KAFKA_LISTENERS).toContain(`CONTROLLER://:${voter.port}`);
      }
    });

    it('replicates three ways with min ISR 2, internal and external listeners, and persistent data', () => {
      for (const { name, service, env } of kafka) {
        expect(env.KAFKA_DEFAULT_REPLICATION_FACTOR).toBe('3');
        expect(env.KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR).toBe('3');
        expect(env.KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR).toBe('3');
        expect(env.KAFKA_MIN_INSYNC_REPLICAS).toBe('2');
        expect(env.KAFKA_TRANSACTION_STATE_LOG_MIN_ISR).toBe('2');
        expect(env.KAFKA_AUTO_CREATE_TOPICS_ENABLE).toBe('false');
        expect(env.KAFKA_LISTENERS).toMatch(/INTERNAL:\/\/:19092/);
        expect(env.KAFKA_LISTENERS).toMatch(/EXTERNAL:\/\/:9092/);
        expect(env.KAFKA_ADVERTISED_LISTENERS).toContain(`INTERNAL://${name}:19092`);
        expect(env.KAFKA_ADVERTISED_LISTENERS).toMatch(/EXTERNAL:\/\/localhost:/);
        expect(env.KAFKA_INTER_BROKER_LISTENER_NAME).toBe('INTERNAL');
        for (const listener of ['INTERNAL', 'EXTERNAL', 'CONTROLLER']) {
          expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toContain(`${listener}:PLAINTEXT`);
        }
        expect(containerPorts(service)).toContain(9092);
        expect(service.healthcheck?.test).toBeDefined();
        expect(JSON.stringify(service.volumes ?? [])).toContain(env.KAFKA_LOG_DIRS);
      }
    });
  });

  describe('Postgres', () => {
    const postgres = services.postgres;

    it('is postgres 15 with a healthcheck, a database named accord and a volume', () => {
      expect(postgres).toBeDefined();
      expect(postgres.image).toMatch(/^postgres:15(\.|-|$)/);
      expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
      expect(environmentOf(postgres).POSTGRES_DB).toBe('accord');
      expect(JSON.stringify(postgres.volumes ?? [])).toContain('/var/lib/postgresql/data');
      expect(containerPorts(postgres)).toContain(5432);
    });
  });

  describe('apps', () => {
    it.each(Object.entries(APPS))('%s is built from the root Dockerfile, publishes its port and has its environment', (name, spec) => {
      const service = services[name];
      expect(service).toBeDefined();
      expect(typeof service.build === 'object' ? service.build.args?.APP : undefined).toBe(name);
      expect(typeof service.build === 'object' ? (service.build.context ?? '.') : service.build).toBe('.');
      expect(containerPorts(service)).toContain(spec.port);

      const env = environmentOf(service);
      for (const key of SHARED_APP_ENV) expect(env[key]).toBeTruthy();
      expect(env[spec.portVar]).toBe(String(spec.port));
      for (const [key, expected] of Object.entries(spec.env)) {
        if (expected instanceof RegExp) expect(env[key]).toMatch(expected);
        else expect(env[key]).toBe(expected);
      }
      // Secrets come from .env / the environment, and compose refuses to start without them.
      expect(env.ACCORD_SUBJECT_KEY_SECRET).toMatch(/^\$\{ACCORD_SUBJECT_KEY_SECRET:\?.+\}$/);
      expect(env.DATABASE_URL).toMatch(/^postgres:\/\/postgres:.+@postgres:5432\/accord$/);
      expect(env.LOG_LEVEL).toMatch(/info/);

      const brokers = env.KAFKA_BROKERS.split(',');
      expect(brokers.map((b) => b.split(':')[0]).sort()).toEqual(KAFKA_NODES);
      for (const broker of brokers) expect(broker).toMatch(/^kafka-\d:19092$/);

      const deps = dependsOn(service);
      for (const node of [...KAFKA_NODES, 'postgres']) expect(deps).toContain(node);
      const conditions = service.depends_on as Record<string, { condition?: string }>;
      expect(conditions.postgres.condition).toBe('service_healthy');
    });

    it('publishes no host port twice', () => {
      const published = Object.values(services).flatMap((service) =>
        (service.ports ?? []).map((port) => (typeof port === 'object' ? String(port.published) : port.split(':').slice(0, -1).join(':'))),
      );
      expect(new Set(published).size).toBe(published.length);
    });
  });

  it('has every depends_on target defined as a service, and every named volume declared', () => {
    for (const [name, service] of Object.entries(services)) {
      for (const dependency of dependsOn(service)) {
        expect({ service: name, dependsOn: dependency, exists: dependency in services }).toEqual({
          service: name,
          dependsOn: dependency,
          exists: true,
        });
      }
      for (const volume of service.volumes ?? []) {
        const source = typeof volume === 'string' ? volume.split(':')[0] : undefined;
        if (source && !source.startsWith('.') && !source.startsWith('/')) expect(Object.keys(compose.volumes ?? {})).toContain(source);
      }
    }
  });

  it('keeps the Dockerfile able to build every app and real secrets out of the repository', () => {
    const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/npm ci/);
    expect(dockerfile).toMatch(/npm run build/);
    expect(dockerfile).toMatch(/ARG APP/);
    expect(dockerfile).toContain('dist/apps/$ACCORD_APP/src/main.js');
    const example = readFileSync(resolve(ROOT, '.env.example'), 'utf8');
    for (const secret of ['ACCORD_SUBJECT_KEY_SECRET', 'ACCORD_ADMIN_TOKEN', 'AUDIT_SIGNING_KEY', 'ACCORD_PSEUDONYMISATION_SECRET']) {
      expect(example).toMatch(new RegExp(`^${secret}=$`, 'm'));
    }
    expect(readFileSync(resolve(ROOT, '.dockerignore'), 'utf8')).toMatch(/^\.env$/m);
  });
});
