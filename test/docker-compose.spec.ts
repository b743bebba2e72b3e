/**
 * docker-compose.yml cannot be run here (no Docker), so this checks its shape: the 3-node
 * KRaft cluster is consistent and secured as infra/kafka/kafka.sh secures the development
 * broker (TLS with client certificates on every listener, the StandardAuthorizer denying
 * what no ACL allows), the PKI volume gives each key only to the service that uses it, the
 * one-shot steps run in order and apply the reference participants and agreements before
 * the broker and the domain services start, Postgres is healthy-checked, reachable only
 * inside the compose network and its password never part of a URL, every secret is
 * required (no default), every app gets its port and every setting it requires, and the
 * image runs a maintained Node LTS and can verify the audit log.
 */
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer as createHttpServer } from 'node:http';
import { createServer as createTcpServer, type AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import { DataSource } from 'typeorm';
import { parse } from 'yaml';
import { dataSourceOptions, ensureDatabase } from '@accord/persistence';
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

/** Host ports a service publishes (a range such as 3010-3011 gives each of its ports). */
function hostPorts(service: Service): number[] {
  return (service.ports ?? []).flatMap((port) => {
    const published = typeof port === 'object' ? String(port.published ?? '') : port.split(':').slice(-2, -1)[0] ?? '';
    const [first, last = first] = published.split('-').map(Number);
    return first === undefined || Number.isNaN(first) ? [] : Array.from({ length: last! - first + 1 }, (_, index) => first + index);
  });
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

/**
 * A stand-in Postgres on loopback that asks every client for its password in clear text,
 * keeps what it is sent and hangs up: what a client would authenticate with, seen on the wire.
 */
async function passwordCollector(): Promise<{ port: number; passwords: string[]; close: () => void }> {
  const passwords: string[] = [];
  const server = createTcpServer((socket) => {
    let received = Buffer.alloc(0);
    let started = false;
    socket.on('error', () => undefined);
    socket.on('data', (chunk) => {
      received = Buffer.concat([received, chunk]);
      if (!started) {
        // The startup message: its length, then protocol and parameters. Answer AuthenticationCleartextPassword.
        if (received.length < 4 || received.length < received.readInt32BE(0)) return;
        received = received.subarray(received.readInt32BE(0));
        started = true;
        socket.write(Buffer.from([0x52, 0, 0, 0, 8, 0, 0, 0, 3]));
      }
      // PasswordMessage: 'p', its length, the password ending in a zero byte.
      if (received.length >= 5 && received[0] === 0x70 && received.length >= 1 + received.readInt32BE(1)) {
        passwords.push(received.subarray(5, 1 + received.readInt32BE(1) - 1).toString('utf8'));
        socket.destroy();
      }
    });
  });
  await new Promise<void>((listening) => server.listen(0, '127.0.0.1', listening));
  return { port: (server.address() as AddressInfo).port, passwords, close: () => server.close() };
}

/** The Dockerfile's stages by name (`FROM … AS <name>`), each with its instructions. */
function dockerfileStages(): Map<string, string> {
  const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
  return new Map([...dockerfile.matchAll(/^FROM \S+ AS (\S+)\n([\s\S]*?)(?=^FROM |(?![\s\S]))/gm)].map((match) => [match[1]!, match[2]!]));
}

const KAFKA_NODES = ['kafka-1', 'kafka-2', 'kafka-3'];

/** What the stack must not start without; none may have a default in the compose file. */
const SECRETS = ['ACCORD_ADMIN_TOKEN', 'ACCORD_SUBJECT_KEY_SECRET', 'ACCORD_PSEUDONYMISATION_SECRET', 'AUDIT_SIGNING_KEY', 'ACCORD_TOKEN_SIGNING_KEY', 'POSTGRES_PASSWORD'];

const SHARED_APP_ENV = ['KAFKA_BROKERS', 'DATABASE_URL', 'PGPASSWORD', 'LOG_LEVEL', 'ACCORD_SUBJECT_KEY_SECRET'];
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

  describe('start order: PKI, Kafka, component ACLs, hub-api, participants and agreements, the rest', () => {
    const acls = services['kafka-acls']!;
    const apply = services['apply-agreements']!;

    it('kafka-acls creates the hub components’ ACLs as the operator once every node is healthy', () => {
      expect(acls).toBeDefined();
      expect(typeof acls.build === 'object' ? acls.build.args?.APP : undefined).toBe('hub-api');
      expect(commandOf(acls)).toContain('node dist/apps/hub-api/src/cli/kafka-security.js acls kafka-1:19092,kafka-2:19092,kafka-3:19092 /pki');
      for (const node of KAFKA_NODES) expect(conditionOn(acls, node)).toBe('service_healthy');
      expect(acls.restart).toBe('no');
    });

    it('apply-agreements runs through hub-api once it is healthy, and succeeds once the bootstrap token is retired', () => {
      expect(apply).toBeDefined();
      expect(typeof apply.build === 'object' ? apply.build.args?.APP : undefined).toBe('hub-api');
      expect(apply.command).toEqual(['node', 'scripts/apply-agreements.js', '--skip-when-retired']);
      expect(conditionOn(apply, 'hub-api')).toBe('service_healthy');
      const env = environmentOf(apply);
      expect(env.ACCORD_HUB_URL).toBe('http://hub-api:3000');
      expect(env.ACCORD_ADMIN_TOKEN).toMatch(/^\$\{ACCORD_ADMIN_TOKEN:\?.+\}$/);
      expect(apply.restart).toBe('no');
    });

    it("apply-agreements's command registers every reference participant, then applies every reference agreement", async () => {
      const directory = resolve(ROOT, 'infra/agreements');
      const participants = (parse(readFileSync(join(directory, 'participants.yaml'), 'utf8')) as { id: string }[]).map(({ id }) => `/v1/participants/${id}`);
      const agreements = readdirSync(directory)
        .filter((file) => file.endsWith('.yaml') && file !== 'participants.yaml')
        .map((file) => `/v1/agreements/${(parse(readFileSync(join(directory, file), 'utf8')) as { id: string }).id}`);
      // A stand-in hub-api that accepts every PUT, in the image's place: the command as compose runs it.
      const routes: string[] = [];
      const hub = createHttpServer((request, response) => {
        request.resume().on('end', () => {
          routes.push(`${request.method} ${request.url}`);
          response.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ version: 1, unchanged: false }));
        });
      });
      await new Promise<void>((listening) => hub.listen(0, '127.0.0.1', listening));
      try {
        const [program, script, ...args] = apply.command as string[];
        expect(program).toBe('node');
        await promisify(execFile)(process.execPath, [resolve(ROOT, script!), ...args], {
          env: { PATH: process.env.PATH, ACCORD_HUB_URL: `http://127.0.0.1:${(hub.address() as AddressInfo).port}`, ACCORD_ADMIN_TOKEN: 'a'.repeat(32) },
        });
      } finally {
        hub.close();
      }
      expect(agreements.length).toBeGreaterThan(0);
      expect(routes).toEqual([...participants, ...agreements.sort()].map((route) => `PUT ${route}`));
    });

    it.each(Object.keys(APPS))('%s reads its Kafka identity from the read-only pki volume and starts in order', (name) => {
      const service = services[name]!;
      expect(environmentOf(service).KAFKA_TLS_DIR).toBe('/pki');
      expect(mounts(service)).toContainEqual({ source: 'pki', target: '/pki', mode: 'ro' });
      expect(conditionOn(service, 'kafka-acls')).toBe('service_completed_successfully');
      // The broker and the domain services start on a hub that holds the participants and agreements.
      if (name === 'hub-api') expect(conditionOn(service, 'apply-agreements')).toBeUndefined();
      else expect(conditionOn(service, 'apply-agreements')).toBe('service_completed_successfully');
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

    it('leaves the host port 5432 free for a Postgres already on the host', () => {
      for (const [name, service] of Object.entries(services)) expect({ name, hostPorts: hostPorts(service) }).not.toEqual({ name, hostPorts: expect.arrayContaining([5432]) });
      expect(hostPorts(services['sharing-broker']!)).toEqual([3010, 3011]);
    });

    it('gives the apps the password apart from DATABASE_URL, in PGPASSWORD, required', () => {
      expect(environmentOf(postgres).POSTGRES_PASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?.+\}$/);
      for (const name of Object.keys(APPS)) {
        const env = environmentOf(services[name]!);
        expect(env.DATABASE_URL).toBe('postgres://postgres@postgres:5432/accord');
        expect(env.PGPASSWORD).toMatch(/^\$\{POSTGRES_PASSWORD:\?[^}]+\}$/);
      }
    });

    it('the apps connect with PGPASSWORD as it is, whatever its characters, when DATABASE_URL has no password', async () => {
      const password = `p@ss:/w#rd%20?&=$x ü"'\\`;
      const server = await passwordCollector();
      const url = `postgres://postgres@127.0.0.1:${server.port}/accord`;
      const previous = process.env.PGPASSWORD;
      process.env.PGPASSWORD = password;
      try {
        // What every app does at start (libs/persistence): create the database if missing, then open its pool.
        await expect(ensureDatabase(url)).rejects.toThrow();
        await expect(new DataSource(dataSourceOptions({ url, schema: 'hub', entities: [], migrations: [] })).initialize()).rejects.toThrow();
      } finally {
        if (previous === undefined) delete process.env.PGPASSWORD;
        else process.env.PGPASSWORD = previous;
        server.close();
      }
      expect(server.passwords).toEqual([password, password]);
    });
  });

  it('puts no secret into a URL, where its characters could break the URL', () => {
    for (const value of stringValues().filter((text) => text.includes('://'))) {
      for (const secret of SECRETS) expect({ value, secret: value.includes(`\${${secret}`) }).toEqual({ value, secret: false });
    }
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
      expect(env.DATABASE_URL).toBe('postgres://postgres@postgres:5432/accord');
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

  describe('the image', () => {
    const dockerfile = readFileSync(resolve(ROOT, 'Dockerfile'), 'utf8');
    const packageJson = JSON.parse(readFileSync(resolve(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; scripts: Record<string, string> };

    it('runs a maintained Node LTS line (an even major, 22 or later) that package.json engines names', () => {
      const image = /^ARG NODE_IMAGE=node:(\d+)(\.[\d.]+)?-[a-z]+-slim$/m.exec(dockerfile);
      expect(image).not.toBeNull();
      const major = Number(image![1]);
      expect(major % 2).toBe(0);
      expect(major).toBeGreaterThanOrEqual(22);
      // Every stage builds on it: the dependencies are installed and compiled with the Node that runs them.
      expect([...dockerfile.matchAll(/^FROM (\S+)/gm)].map((match) => match[1])).toEqual(['${NODE_IMAGE}', 'deps', 'deps', '${NODE_IMAGE}']);
      const lines = packageJson.engines.node.split('||').map((range) => /^\^(\d+)(\.\d+)*$/.exec(range.trim())?.[1]);
      expect(lines).not.toContain(undefined);
      expect(lines).toContain(String(major));
    });

    it('holds what audit:verify needs: the compiled CLI and package.json, and no sources for the script to build', () => {
      const runtime = dockerfileStages().get('runtime')!;
      expect(runtime).toMatch(/^COPY --from=build \/app\/dist \.\/dist$/m);
      expect(runtime).toMatch(/^COPY package\.json \.\/$/m);
      expect(runtime).toMatch(/^COPY --from=prod-deps \/app\/node_modules \.\/node_modules$/m);
      expect(runtime).not.toMatch(/^COPY (apps|libs|tsconfig)/m);
      // The build compiles the CLI where the script runs it from.
      const build = JSON.parse(readFileSync(resolve(ROOT, 'tsconfig.build.json'), 'utf8')) as { compilerOptions: { outDir: string; rootDir: string }; include: string[] };
      expect(build.compilerOptions).toMatchObject({ outDir: 'dist', rootDir: '.' });
      expect(build.include).toContain('apps/*/src/**/*.ts');
      expect(packageJson.scripts['audit:verify']).toContain('node dist/apps/hub-api/src/cli/audit-verify.js');
      expect(readFileSync(resolve(ROOT, 'apps/hub-api/src/cli/audit-verify.ts'), 'utf8')).toMatch(/^if \(require\.main === module\)/m);
    });

    it('npm run audit:verify builds where the sources are and, in the image, runs the compiled CLI without building', async () => {
      const run = async (withSources: boolean) => {
        const directory = mkdtempSync(join(tmpdir(), 'accord-audit-verify-'));
        try {
          mkdirSync(join(directory, 'dist/apps/hub-api/src/cli'), { recursive: true });
          writeFileSync(join(directory, 'dist/apps/hub-api/src/cli/audit-verify.js'), "process.stdout.write('verified ' + process.argv.slice(2).join(' ') + '\\n');\n");
          if (withSources) mkdirSync(join(directory, 'apps'));
          // npm stands in for itself: it says what it was asked to run.
          mkdirSync(join(directory, 'bin'));
          writeFileSync(join(directory, 'bin/npm'), '#!/bin/sh\necho "npm $*"\n');
          chmodSync(join(directory, 'bin/npm'), 0o755);
          const { stdout } = await promisify(execFile)('sh', ['-c', `${packageJson.scripts['audit:verify']} --json`], {
            cwd: directory,
            env: { PATH: `${join(directory, 'bin')}:${process.env.PATH}` },
          });
          return stdout;
        } finally {
          rmSync(directory, { recursive: true, force: true });
        }
      };
      expect(await run(false)).toBe('verified --json\n');
      expect(await run(true)).toBe('npm run build --silent\nverified --json\n');
    });
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
