/**
 * docker-compose.yml cannot be run here (no Docker), so this checks its shape: the 3-node
 * KRaft cluster is consistent and secured as infra/kafka/kafka.sh secures the development
 * broker (TLS with client certificates on every listener, the StandardAuthorizer denying
 * what no ACL allows), the PKI volume gives each key only to the service that uses it, the
 * one-shot steps run in order, Postgres is healthy-checked and reachable only inside the
 * compose network, every secret is required (no default), and every app gets its port and
 * every setting it requires.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parse } from 'yaml';
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { DEFAULT_BROKER_INSTANCES } = require('../scripts/lib/stack') as { DEFAULT_BROKER_INSTANCES: number };

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
  user?: string;
  restart?: string;
  group_add?: (string | number)[];
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

/** The condition a service waits for on a dependency (undefined when it does not depend on it). */
function conditionOn(service: Service, dependency: string): string | undefined {
  const deps = service.depends_on;
  return deps && !Array.isArray(deps) ? deps[dependency]?.condition : undefined;
}

/** Short-syntax volume mounts as { source, target, mode }. */
function mounts(service: Service): { source: string; target: string; mode: string }[] {
  return (service.volumes ?? [])
    .filter((volume): volume is string => typeof volume === 'string')
    .map((volume) => {
      const [source, target, mode = 'rw'] = volume.split(':');
      return { source: source!, target: target!, mode };
    });
}

function commandOf(service: Service): string {
  const command = service.command ?? '';
  return Array.isArray(command) ? command.join(' ') : command;
}

/** What a value becomes once compose has interpolated it: `$$` is compose's escape for `$`. */
function unescaped(value: string): string {
  return value.replace(/\$\$/g, '$');
}

/** A property as infra/kafka/kafka.sh writes it into the development broker's server.properties. */
function devBrokerProperty(name: string): string {
  const script = readFileSync(resolve(ROOT, 'infra/kafka/kafka.sh'), 'utf8');
  const value = new RegExp(`^${name.replace(/\./g, '\\.')}=(.*)$`, 'm').exec(script)?.[1];
  expect(value).toBeDefined();
  return value!.replace(/\\\$/g, '$'); // the heredoc escapes $ as \$
}

/** Every string in the parsed file (comments are gone; anchors are merged in). */
function stringValues(): string[] {
  const values: string[] = [];
  const walk = (node: unknown): void => {
    if (typeof node === 'string') values.push(node);
    else if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === 'object') Object.values(node).forEach(walk);
  };
  walk(compose);
  return values;
}

const KAFKA_NODES = ['kafka-1', 'kafka-2', 'kafka-3'];

/** What the stack must not start without; none may have a default in the compose file. */
const SECRETS = ['ACCORD_ADMIN_TOKEN', 'ACCORD_SUBJECT_KEY_SECRET', 'ACCORD_PSEUDONYMISATION_SECRET', 'AUDIT_SIGNING_KEY', 'ACCORD_TOKEN_SIGNING_KEY', 'POSTGRES_PASSWORD'];

const SHARED_APP_ENV = ['KAFKA_BROKERS', 'DATABASE_URL', 'LOG_LEVEL', 'ACCORD_SUBJECT_KEY_SECRET'];
const APPS: Record<string, { port: number; portVar: string; env: Record<string, string | RegExp> }> = {
  'hub-api': {
    port: 3000,
    portVar: 'HUB_API_PORT',
    env: {
      ACCORD_ADMIN_TOKEN: /^\$\{ACCORD_ADMIN_TOKEN:\?.+\}$/,
      AUDIT_SIGNING_KEY: /^\$\{AUDIT_SIGNING_KEY:\?.+\}$/,
      ACCORD_TOKEN_SIGNING_KEY: /^\$\{ACCORD_TOKEN_SIGNING_KEY:\?.+\}$/,
    },
  },
  'sharing-broker': {
    port: 3010,
    portVar: 'BROKER_PORT',
    env: { ACCORD_PSEUDONYMISATION_SECRET: /^\$\{ACCORD_PSEUDONYMISATION_SECRET:\?.+\}$/ },
  },
  // The domain services check callers' bearer tokens against hub-api, inside the compose network.
  'adult-social-care': { port: 3001, portVar: 'ASC_PORT', env: { ASC_PARTICIPANT: 'southampton.adult-social-care', ACCORD_HUB_URL: 'http://hub-api:3000' } },
  'public-health': { port: 3002, portVar: 'PH_PORT', env: { PH_PARTICIPANT: 'hampshire.public-health', ACCORD_HUB_URL: 'http://hub-api:3000' } },
  'revenues-benefits': {
    port: 3003,
    portVar: 'RB_PORT',
    env: { RB_PARTICIPANTS: 'southampton.revenues-benefits,dorset.revenues-benefits', ACCORD_HUB_URL: 'http://hub-api:3000' },
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
          expect(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP).toContain(`${listener}:SSL`);
        }
        expect(containerPorts(service)).toContain(9092);
        expect(service.healthcheck?.test).toBeDefined();
        expect(JSON.stringify(service.volumes ?? [])).toContain(env.KAFKA_LOG_DIRS);
      }
    });
  });

  describe('Kafka security: as infra/kafka/kafka.sh secures the development broker', () => {
    const kafka = KAFKA_NODES.map((name) => ({ name, service: services[name], env: environmentOf(services[name] ?? {}) }));
    const listenerNames = (listeners: string) => listeners.split(',').map((listener) => listener.trim().split('://')[0]!);

    it('speaks TLS on every listener of every node (client, inter-broker, controller) and mentions no PLAINTEXT anywhere', () => {
      for (const { env } of kafka) {
        const protocols = Object.fromEntries(env.KAFKA_LISTENER_SECURITY_PROTOCOL_MAP.split(',').map((entry) => entry.trim().split(':') as [string, string]));
        expect(Object.values(protocols).every((protocol) => protocol === 'SSL')).toBe(true);
        const names = [...listenerNames(env.KAFKA_LISTENERS), ...listenerNames(env.KAFKA_ADVERTISED_LISTENERS), env.KAFKA_INTER_BROKER_LISTENER_NAME, env.KAFKA_CONTROLLER_LISTENER_NAMES];
        for (const name of names) expect({ listener: name, protocol: protocols[name] }).toEqual({ listener: name, protocol: 'SSL' });
        for (const [key, value] of Object.entries(env)) expect({ key, plaintext: /PLAINTEXT/i.test(value) }).toEqual({ key, plaintext: false });
        // A per-listener override could weaken one listener: there is none.
        expect(Object.keys(env).filter((key) => key.startsWith('KAFKA_LISTENER_NAME_'))).toEqual([]);
        // The image's start script reads an advertised "…SSL://" listener as a cue to demand JKS files in /etc/kafka/secrets.
        expect(env.KAFKA_ADVERTISED_LISTENERS).not.toContain('SSL://');
      }
      expect(readFileSync(resolve(ROOT, 'docker-compose.yml'), 'utf8')).not.toMatch(/PLAINTEXT/);
    });

    it('requires a client certificate signed by the stack CA, with PEM stores from the pki volume', () => {
      for (const { env } of kafka) {
        expect(env.KAFKA_SSL_CLIENT_AUTH).toBe('required');
        expect(env.KAFKA_SSL_CLIENT_AUTH).toBe(devBrokerProperty('ssl.client.auth'));
        expect(env.KAFKA_SSL_KEYSTORE_TYPE).toBe('PEM');
        expect(env.KAFKA_SSL_KEYSTORE_LOCATION).toBe('/pki/kafka-broker.keystore.pem');
        expect(env.KAFKA_SSL_TRUSTSTORE_TYPE).toBe('PEM');
        expect(env.KAFKA_SSL_TRUSTSTORE_LOCATION).toBe('/pki/ca.crt');
        expect(env.KAFKA_SSL_ENDPOINT_IDENTIFICATION_ALGORITHM).toBe(devBrokerProperty('ssl.endpoint.identification.algorithm'));
        expect(env.KAFKA_SSL_ENABLED_PROTOCOLS).toBe(devBrokerProperty('ssl.enabled.protocols'));
      }
    });

    it("maps certificate subjects to principals with kafka.sh's rule (compose's $$ escape keeping the $ signs)", () => {
      for (const { env } of kafka) {
        expect(unescaped(env.KAFKA_SSL_PRINCIPAL_MAPPING_RULES)).toBe('RULE:^CN=([a-z0-9.-]+)$/$1/,DEFAULT');
        expect(unescaped(env.KAFKA_SSL_PRINCIPAL_MAPPING_RULES)).toBe(devBrokerProperty('ssl.principal.mapping.rules'));
      }
    });

    it('denies what no ACL allows; the super users are exactly the node identity and the operator', () => {
      const superUsers = (value: string) => value.split(';').map((user) => user.trim()).sort();
      for (const { env } of kafka) {
        expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toBe('org.apache.kafka.metadata.authorizer.StandardAuthorizer');
        expect(env.KAFKA_AUTHORIZER_CLASS_NAME).toBe(devBrokerProperty('authorizer.class.name'));
        expect(env.KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND).toBe('false');
        expect(superUsers(env.KAFKA_SUPER_USERS)).toEqual(['User:accord-operator', 'User:kafka-broker']);
        expect(superUsers(env.KAFKA_SUPER_USERS)).toEqual(superUsers(devBrokerProperty('super.users')));
      }
    });

    it('starts each node after kafka-pki, with the pki volume read-only', () => {
      for (const { service } of kafka) {
        expect(conditionOn(service, 'kafka-pki')).toBe('service_completed_successfully');
        expect(mounts(service)).toContainEqual({ source: 'pki', target: '/pki', mode: 'ro' });
      }
    });

    it('health-checks each node over TLS with its own identity', () => {
      for (const { service } of kafka) {
        const test = JSON.stringify(service.healthcheck?.test);
        expect(test).toContain('security.protocol=SSL');
        expect(test).toContain('ssl.keystore.location=/pki/kafka-broker.keystore.pem');
        expect(test).toContain('ssl.truststore.location=/pki/ca.crt');
        expect(test).toContain('--command-config');
      }
    });
  });

  describe('PKI: the init step, and who can read which key', () => {
    const pkiInit = services['kafka-pki']!;
    const script = commandOf(pkiInit);
    /** gid → the files kafka-pki makes readable to that group (its `grant <gid> <files…>` lines). */
    const grants = new Map(
      [...script.matchAll(/^\s*grant (\d+) (.+)$/gm)].map((match) => [match[1]!, match[2]!.trim().split(/\s+/)] as const),
    );
    const readableBy = (service: Service) => (service.group_add ?? []).map(String).flatMap((gid) => grants.get(gid) ?? []).sort();
    const keyFiles = (identity: string) => [`/pki/${identity}.key`];
    /** The private keys each service must read, and no others. */
    const NEEDS: Record<string, string[]> = {
      'kafka-1': [...keyFiles('kafka-broker'), '/pki/kafka-broker.keystore.pem'],
      'kafka-2': [...keyFiles('kafka-broker'), '/pki/kafka-broker.keystore.pem'],
      'kafka-3': [...keyFiles('kafka-broker'), '/pki/kafka-broker.keystore.pem'],
      'kafka-acls': keyFiles('accord-operator'),
      'hub-api': ['/pki/ca.key', ...keyFiles('accord-hub-api'), ...keyFiles('accord-partner-delivery')],
      'sharing-broker': keyFiles('accord-sharing-broker'),
      'adult-social-care': keyFiles(environmentOf(services['adult-social-care']!).ASC_PARTICIPANT),
      'public-health': keyFiles(environmentOf(services['public-health']!).PH_PARTICIPANT),
      'revenues-benefits': environmentOf(services['revenues-benefits']!).RB_PARTICIPANTS.split(',').flatMap(keyFiles),
    };

    it('kafka-pki makes the CA and every identity (nodes named kafka-1..3) into the writable pki volume, once per start', () => {
      expect(pkiInit).toBeDefined();
      expect(typeof pkiInit.build === 'object' ? pkiInit.build.args?.APP : undefined).toBe('hub-api');
      expect(script).toContain('node dist/apps/hub-api/src/cli/kafka-security.js pki /pki --server-dns kafka-1,kafka-2,kafka-3');
      expect(mounts(pkiInit)).toContainEqual({ source: 'pki', target: '/pki', mode: 'rw' });
      expect(pkiInit.restart).toBe('no');
      expect(Object.keys(compose.volumes ?? {})).toContain('pki');
    });

    it('owns every file as root, certificates world-readable, keys readable by root and one group at most', () => {
      expect(script).toMatch(/^\s*chown -R 0:0 \/pki$/m);
      expect(script).toMatch(/^\s*chmod 0444 \/pki\/\*\.crt$/m);
      expect(script).toMatch(/^\s*chmod 0400 \/pki\/\*\.key \/pki\/\*\.keystore\.pem$/m);
      expect(unescaped(script)).toMatch(/grant\(\) \{ group=\$1; shift; chgrp "\$group" "\$@"; chmod 0440 "\$@"; \}/);
      const granted = [...grants.values()].flat();
      expect(new Set(granted).size).toBe(granted.length);
      for (const file of granted) expect(file).toMatch(/^\/pki\/[a-z0-9.-]+\.(key|keystore\.pem)$/);
    });

    it('only kafka-pki runs as root or mounts the pki volume writable', () => {
      for (const [name, service] of Object.entries(services)) {
        if (name === 'kafka-pki') continue;
        expect({ name, user: service.user ?? 'image default' }).not.toEqual({ name, user: expect.stringMatching(/^(0|root)(:|$)/) });
        for (const mount of mounts(service).filter((m) => m.source === 'pki')) expect({ name, mode: mount.mode }).toEqual({ name, mode: 'ro' });
      }
      expect(pkiInit.user).toBe('0:0');
    });

    it.each(Object.keys(NEEDS))('%s can read exactly the private keys of its own identity', (name) => {
      const service = services[name]!;
      expect(mounts(service)).toContainEqual({ source: 'pki', target: '/pki', mode: 'ro' });
      expect(readableBy(service)).toEqual([...NEEDS[name]!].sort());
    });

    it('no other service joins a key group, and only hub-api can read the CA key or is told where it is', () => {
      for (const [name, service] of Object.entries(services)) {
        if (!(name in NEEDS)) expect({ name, readable: readableBy(service) }).toEqual({ name, readable: [] });
        if (name === 'hub-api') continue;
        expect(readableBy(service)).not.toContain('/pki/ca.key');
        const env = environmentOf(service);
        expect({ name, cert: env.ACCORD_CA_CERT_FILE, key: env.ACCORD_CA_KEY_FILE }).toEqual({ name, cert: undefined, key: undefined });
      }
      const hub = environmentOf(services['hub-api']!);
      expect(hub.ACCORD_CA_CERT_FILE).toBe('/pki/ca.crt');
      expect(hub.ACCORD_CA_KEY_FILE).toBe('/pki/ca.key');
    });
  });

  describe('start order: PKI, Kafka, component ACLs, hub-api, participants, the rest', () => {
    const acls = services['kafka-acls']!;
    const register = services['register-participants']!;

    it('kafka-acls creates the hub components’ ACLs as the operator once every node is healthy', () => {
      expect(acls).toBeDefined();
      expect(typeof acls.build === 'object' ? acls.build.args?.APP : undefined).toBe('hub-api');
      expect(commandOf(acls)).toContain('node dist/apps/hub-api/src/cli/kafka-security.js acls kafka-1:19092,kafka-2:19092,kafka-3:19092 /pki');
      for (const node of KAFKA_NODES) expect(conditionOn(acls, node)).toBe('service_healthy');
      expect(acls.restart).toBe('no');
    });

    it('register-participants registers the reference participants through hub-api once it is healthy, and succeeds once the bootstrap token is retired', () => {
      expect(register).toBeDefined();
      expect(typeof register.build === 'object' ? register.build.args?.APP : undefined).toBe('hub-api');
      expect(register.command).toEqual(['node', 'scripts/apply-agreements.js', '--participants', '--skip-when-retired']);
      expect(conditionOn(register, 'hub-api')).toBe('service_healthy');
      const env = environmentOf(register);
      expect(env.ACCORD_HUB_URL).toBe('http://hub-api:3000');
      expect(env.ACCORD_ADMIN_TOKEN).toMatch(/^\$\{ACCORD_ADMIN_TOKEN:\?.+\}$/);
      expect(register.restart).toBe('no');
    });

    it.each(Object.keys(APPS))('%s reads its Kafka identity from the read-only pki volume and starts in order', (name) => {
      const service = services[name]!;
      expect(environmentOf(service).KAFKA_TLS_DIR).toBe('/pki');
      expect(mounts(service)).toContainEqual({ source: 'pki', target: '/pki', mode: 'ro' });
      expect(conditionOn(service, 'kafka-acls')).toBe('service_completed_successfully');
      if (name === 'hub-api') expect(conditionOn(service, 'register-participants')).toBeUndefined();
      else expect(conditionOn(service, 'register-participants')).toBe('service_completed_successfully');
    });

    it('builds the registration script and the agreements directory into the image', () => {
      const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
      expect(dockerfile).toMatch(/^COPY scripts\/apply-agreements\.js \.\/scripts\/apply-agreements\.js$/m);
      expect(dockerfile).toMatch(/ACCORD_AGREEMENTS_DIR=\/app\/infra\/agreements/);
      expect(dockerfile).toMatch(/^COPY infra\/agreements \.\/infra\/agreements$/m);
      expect(readFileSync(resolve(ROOT, '.dockerignore'), 'utf8')).not.toMatch(/^scripts/m);
    });
  });

  it('uses $ only for compose interpolation or its $$ escape, in every value', () => {
    for (const value of stringValues()) {
      const stray = value.replace(/\$\$/g, '').replace(/\$\{[A-Za-z_][A-Za-z0-9_]*(:?[-?][^}]*)?\}/g, '');
      expect({ value, stray: stray.includes('$') }).toEqual({ value, stray: false });
    }
  });

  describe('Postgres', () => {
    const postgres = services.postgres;

    it('is postgres 15 with a healthcheck, a database named accord and a volume', () => {
      expect(postgres).toBeDefined();
      expect(postgres.image).toMatch(/^postgres:15(\.|-|$)/);
      expect(JSON.stringify(postgres.healthcheck?.test)).toContain('pg_isready');
      expect(environmentOf(postgres).POSTGRES_DB).toBe('accord');
      expect(JSON.stringify(postgres.volumes ?? [])).toContain('/var/lib/postgresql/data');
    });

    it('publishes no port: only the apps, inside the compose network, reach it', () => {
      expect(postgres.ports ?? []).toEqual([]);
      for (const [name, service] of Object.entries(services)) expect({ name, ports: containerPorts(service) }).not.toEqual({ name, ports: expect.arrayContaining([5432]) });
    });

    it('takes the password that the apps put into DATABASE_URL from the environment, required', () => {
      expect(environmentOf(postgres).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
      for (const name of Object.keys(APPS)) {
        expect(environmentOf(services[name]!).DATABASE_URL).toMatch(/^postgres:\/\/postgres:\$\{POSTGRES_PASSWORD:\?[^}]+\}@postgres:5432\/accord$/);
      }
    });
  });

  it('requires every secret wherever it is used (${VAR:?message}): none has a default, and each is used', () => {
    const uses = stringValues().flatMap((value) => [...value.matchAll(/\$\{([A-Za-z_][A-Za-z0-9_]*)([^}]*)\}/g)]);
    for (const secret of SECRETS) {
      const modifiers = uses.filter((use) => use[1] === secret).map((use) => use[2]!);
      expect({ secret, used: modifiers.length > 0 }).toEqual({ secret, used: true });
      for (const modifier of modifiers) expect({ secret, modifier }).toEqual({ secret, modifier: expect.stringMatching(/^:\?.+/) });
    }
    // A bare $VAR would be a default too (empty).
    for (const value of stringValues()) for (const secret of SECRETS) expect(value.replace(/\$\$/g, '')).not.toMatch(new RegExp(`\\$${secret}\\b`));
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
      // Listening on every interface of the container: the default, 127.0.0.1, would leave the published port unanswered.
      expect(env.HOST).toBe('0.0.0.0');
      expect(env.NODE_ENV).toBeUndefined(); // the image's production, never relaxed here
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

    it('runs the sharing broker as npm start does, two instances of one consumer group, each with a host port of its own', () => {
      const broker = services['sharing-broker']! as Service & { deploy?: { replicas?: number } };
      // As many as npm start runs.
      expect(broker.deploy?.replicas).toBe(DEFAULT_BROKER_INSTANCES);
      expect(broker.ports).toEqual(['3010-3011:3010']);
      expect(environmentOf(broker).BROKER_GROUP_ID).toBe('${BROKER_GROUP_ID:-accord-sharing-broker}');
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
    for (const secret of SECRETS) {
      expect(example).toMatch(new RegExp(`^${secret}=$`, 'm'));
    }
    expect(readFileSync(resolve(ROOT, '.dockerignore'), 'utf8')).toMatch(/^\.env$/m);
  });
});
