#!/usr/bin/env node
// `npm start`: the whole hub on this machine. Installs what is missing, starts Kafka (TLS,
// client certificates, ACLs; the development PKI in .run/pki) and Postgres, builds, starts
// hub-api, registers the reference participants (their topics and ACLs), starts the other
// apps, waits until each reports healthy, applies the reference agreements, and prints
// where everything is. Ctrl-C stops all it started.
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const stack = require('./lib/stack');

const ROOT = stack.ROOT;
const RUN_DIR = process.env.ACCORD_RUN_DIR || path.join(ROOT, '.run');
const LOG_DIR = path.join(RUN_DIR, 'logs');
/** Where infra/kafka/kafka.sh keeps the development PKI; every app reads its Kafka identity there. */
const KAFKA_TLS_DIR = path.resolve(process.env.KAFKA_TLS_DIR || path.join(RUN_DIR, 'pki'));
const DEVELOPMENT_ADMIN_TOKEN = require('../libs/platform/src/development-defaults.json').adminToken;
const ADMIN_TOKEN = process.env.ACCORD_ADMIN_TOKEN || DEVELOPMENT_ADMIN_TOKEN;

/** Sharing-broker processes, members of one consumer group (stack.DEFAULT_BROKER_INSTANCES); instance n listens on BROKER_PORT + n − 1. */
const BROKER_INSTANCES = Number(process.env.BROKER_INSTANCES || stack.DEFAULT_BROKER_INSTANCES);
if (!Number.isInteger(BROKER_INSTANCES) || BROKER_INSTANCES < 1 || BROKER_INSTANCES > 8) {
  process.stderr.write('npm start: BROKER_INSTANCES must be an integer from 1 to 8\n');
  process.exit(1);
}
// `app`: the directory under dist/apps (the name, unless an app runs as several instances).
// `offset`: added to the port, for an app's second and later instances.
// `domainService`: checks bearer tokens against hub-api's keys and revocation list (ACCORD_HUB_URL).
const APPS = [
  { name: 'hub-api', portVariable: 'HUB_API_PORT', port: 3000 },
  ...Array.from({ length: BROKER_INSTANCES }, (_, index) => ({
    name: index === 0 ? 'sharing-broker' : `sharing-broker-${index + 1}`,
    app: 'sharing-broker',
    portVariable: 'BROKER_PORT',
    port: 3010,
    offset: index,
  })),
  { name: 'adult-social-care', portVariable: 'ASC_PORT', port: 3001, domainService: true },
  { name: 'public-health', portVariable: 'PH_PORT', port: 3002, domainService: true },
  { name: 'revenues-benefits', portVariable: 'RB_PORT', port: 3003, domainService: true },
].map((app) => ({ app: app.name, ...app, port: Number(process.env[app.portVariable] || app.port) + (app.offset ?? 0) }));

const children = new Map();
let startedKafka = false;
let stopping = false;

function build() {
  stack.step('Building the apps (tsc)…');
  const result = spawnSync('npm', ['run', '--silent', 'build'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('the build failed');
}

async function ensureDatabase() {
  const { Client } = require('pg');
  const url = new URL(stack.databaseUrl());
  const database = url.pathname.slice(1) || 'accord';
  url.pathname = '/postgres';
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    const existing = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [database]);
    if (existing.rowCount === 0) {
      await client.query(`CREATE DATABASE "${database.replace(/"/g, '')}"`);
      stack.step(`Created database ${database}; each app applies its migrations as it starts`);
    } else {
      stack.step(`Database ${database} exists; each app applies pending migrations as it starts`);
    }
  } finally {
    await client.end();
  }
}

/** Warnings and errors from the JSON logs reach the console; everything is in .run/logs. */
function relay(app, stream) {
  let buffered = '';
  stream.on('data', (chunk) => {
    buffered += chunk.toString();
    const lines = buffered.split('\n');
    buffered = lines.pop() ?? '';
    for (const line of lines) {
      let level = 'info';
      let message = line;
      try {
        const entry = JSON.parse(line);
        level = entry.level ?? 'info';
        message = entry.message ?? line;
      } catch {
        level = 'error'; // not JSON: a crash or a configuration error line
      }
      if (level === 'warn' || level === 'error' || level === 'fatal') {
        process.stdout.write(`[${app.name}] ${level}: ${message}\n`);
      }
    }
  });
}

function startApp(app) {
  fs.mkdirSync(LOG_DIR, { recursive: true });
  const log = fs.createWriteStream(path.join(LOG_DIR, `${app.name}.log`), { flags: 'a' });
  const child = spawn(process.execPath, ['--enable-source-maps', path.join(ROOT, 'dist/apps', app.app, 'src/main.js')], {
    cwd: ROOT,
    env: {
      ...process.env,
      ACCORD_ADMIN_TOKEN: ADMIN_TOKEN,
      KAFKA_TLS_DIR,
      [app.portVariable]: String(app.port),
      // The hub this script started, whatever ACCORD_HUB_URL the shell may hold.
      ...(app.domainService ? { ACCORD_HUB_URL: `http://127.0.0.1:${APPS.find((other) => other.name === 'hub-api').port}` } : {}),
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  relay(app, child.stdout);
  relay(app, child.stderr);
  child.on('exit', (code, signal) => {
    children.delete(app.name);
    if (!stopping) {
      process.stdout.write(`[${app.name}] exited unexpectedly (${signal ?? `code ${code}`}); see ${path.relative(ROOT, LOG_DIR)}/${app.name}.log\n`);
      shutdown(1);
    }
  });
  children.set(app.name, child);
}

async function healthy(app) {
  try {
    const response = await fetch(`http://127.0.0.1:${app.port}/health`, { signal: AbortSignal.timeout(5000) });
    return response.status === 200;
  } catch {
    return false;
  }
}

async function waitHealthy(apps, timeoutMs = 120_000) {
  const deadline = Date.now() + timeoutMs;
  const pending = new Set(apps.map((app) => app.name));
  let lastReport = 0;
  while (pending.size > 0) {
    if (stopping) return;
    for (const app of apps) {
      if (pending.has(app.name) && (await healthy(app))) {
        pending.delete(app.name);
        stack.step(`${app.name} is healthy (${APPS.length - pending.size}/${APPS.length})`);
      }
    }
    if (pending.size === 0) break;
    if (Date.now() > deadline) throw new Error(`not healthy within ${timeoutMs / 1000}s: ${[...pending].join(', ')}`);
    if (Date.now() - lastReport > 10_000) {
      lastReport = Date.now();
      stack.step(`waiting for ${[...pending].join(', ')}…`);
    }
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
}

function applyAgreementsScript(args) {
  const hub = APPS.find((app) => app.name === 'hub-api');
  return spawnSync(process.execPath, [path.join(ROOT, 'scripts/apply-agreements.js'), ...args], {
    cwd: ROOT,
    stdio: 'inherit',
    env: { ...process.env, ACCORD_ADMIN_TOKEN: ADMIN_TOKEN, HUB_API_PORT: String(hub.port) },
  });
}

/**
 * Registers the reference participants: their topics and Kafka ACLs must exist before the
 * domain services, which connect as participants, can publish or consume.
 */
function registerParticipants() {
  stack.step('Registering the reference participants (topics and Kafka ACLs)…');
  if (applyAgreementsScript(['--participants']).status !== 0) throw new Error('the reference participants could not be registered (see above)');
}

/** Applies infra/agreements through the hub API once the hub can take them. */
async function applyReferenceAgreements() {
  stack.step('Applying the reference agreements…');
  const result = applyAgreementsScript([]);
  // The hub stays up either way: a governance team can fix and re-apply (node scripts/apply-agreements.js).
  if (result.status !== 0) process.stdout.write('warning: not every reference agreement was applied (see above)\n');
}

function printSummary() {
  const lines = [
    '',
    'Accord is running.',
    '',
    ...APPS.map((app) => `  ${app.name.padEnd(18)} http://127.0.0.1:${app.port}   (health /health, OpenAPI /docs)`),
    `  ${'kafka'.padEnd(18)} ${process.env.KAFKA_BROKERS || '127.0.0.1:9092'}   (TLS with client certificates; identities in ${path.relative(ROOT, KAFKA_TLS_DIR) || KAFKA_TLS_DIR})`,
    `  ${'postgres'.padEnd(18)} ${stack.databaseUrl().replace(/\/\/([^:@]+):[^@]*@/, '//$1:***@')}`,
    '',
    `  admin token:       ${ADMIN_TOKEN}${process.env.ACCORD_ADMIN_TOKEN ? '' : '   (development default; set ACCORD_ADMIN_TOKEN to change it)'}`,
    `  logs:              ${path.relative(ROOT, LOG_DIR)}/<app>.log`,
    '',
    'Press Ctrl-C to stop everything.',
    '',
  ];
  process.stdout.write(lines.join('\n'));
}

async function stopChildren() {
  const exits = [...children.values()].map(
    (child) =>
      new Promise((resolve) => {
        child.once('exit', resolve);
        child.kill('SIGTERM');
        setTimeout(() => {
          child.kill('SIGKILL');
          resolve();
        }, 15_000).unref();
      }),
  );
  await Promise.all(exits);
}

async function shutdown(code) {
  if (stopping) return;
  stopping = true;
  stack.step('Stopping the apps…');
  await stopChildren();
  if (startedKafka) {
    stack.step('Stopping Kafka…');
    stack.stopKafka();
  }
  process.exit(code);
}

async function main() {
  process.on('SIGINT', () => shutdown(0));
  process.on('SIGTERM', () => shutdown(0));
  stack.ensureInstalled();
  await stack.ensurePostgres();
  startedKafka = stack.ensureKafka();
  build();
  await ensureDatabase();
  // The hub first: it migrates the shared schema and registers participants, whose Kafka
  // identities the domain services use.
  const [hub, ...others] = APPS;
  stack.step('Starting hub-api…');
  startApp(hub);
  await waitHealthy([hub]);
  registerParticipants();
  stack.step('Starting the other apps…');
  for (const app of others) startApp(app);
  await waitHealthy(others);
  await applyReferenceAgreements();
  printSummary();
}

main().catch((error) => {
  process.stderr.write(`npm start: ${error.message}\n`);
  shutdown(1);
});
