// Shared by `npm start` and `npm test`: make sure dependencies are installed, Postgres is
// reachable and Kafka is running. Plain Node.js so it works before anything is built.
'use strict';
const { spawnSync, execFileSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../..');

/**
 * Sharing-broker processes the hub runs by default (npm start; docker-compose.yml's
 * replicas and the benchmark use the same number): one Node process routes on one core,
 * and Kafka shares the partitions of one consumer group out, so a second instance puts a
 * second core to work (bench/README.md, issue 19). BROKER_INSTANCES changes it.
 */
const DEFAULT_BROKER_INSTANCES = 2;
const KAFKA_SCRIPT = path.join(ROOT, 'infra/kafka/kafka.sh');

function step(message) {
  process.stdout.write(`\u001b[1m›\u001b[0m ${message}\n`);
}

/** Installs npm dependencies when node_modules is missing or older than the lock file. */
function ensureInstalled() {
  const marker = path.join(ROOT, 'node_modules/.package-lock.json');
  const lock = path.join(ROOT, 'package-lock.json');
  const fresh = fs.existsSync(marker) && fs.statSync(marker).mtimeMs >= fs.statSync(lock).mtimeMs;
  if (fresh) return;
  step('Installing npm dependencies (npm ci)…');
  const result = spawnSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: ROOT, stdio: 'inherit' });
  if (result.status !== 0) throw new Error('npm ci failed');
}

function databaseUrl() {
  return process.env.DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/accord';
}

async function postgresReachable(url) {
  const { Client } = require('pg');
  const maintenance = new URL(url);
  maintenance.pathname = '/postgres';
  const client = new Client({ connectionString: maintenance.toString(), connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    await client.query('SELECT 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * Postgres must answer. When it is the local cluster and it is stopped, start it with
 * pg_ctlcluster (Debian), as docs/development.md says; otherwise explain what to do.
 */
async function ensurePostgres(url = databaseUrl()) {
  if (await postgresReachable(url)) return;
  const host = new URL(url).hostname;
  const local = host === '127.0.0.1' || host === 'localhost';
  const versions = fs.existsSync('/etc/postgresql') ? fs.readdirSync('/etc/postgresql') : [];
  if (!local || versions.length === 0) {
    throw new Error(`Postgres is not reachable at ${host}; start it or set DATABASE_URL`);
  }
  step(`Starting the local Postgres ${versions[0]} cluster…`);
  spawnSync('pg_ctlcluster', ['--skip-systemctl-redirect', versions[0], 'main', 'start'], { stdio: 'inherit' });
  for (let attempt = 0; attempt < 30; attempt++) {
    if (await postgresReachable(url)) return;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  throw new Error(`Postgres did not become reachable at ${host}`);
}

function kafkaRunning() {
  return spawnSync('bash', [KAFKA_SCRIPT, 'status'], { cwd: ROOT, stdio: 'ignore' }).status === 0;
}

/** Starts the development broker unless one answers; returns true when this call started it. */
function ensureKafka() {
  const wasRunning = kafkaRunning();
  execFileSync('bash', [KAFKA_SCRIPT, 'start'], { cwd: ROOT, stdio: 'inherit' });
  return !wasRunning;
}

function stopKafka() {
  spawnSync('bash', [KAFKA_SCRIPT, 'stop'], { cwd: ROOT, stdio: 'inherit' });
}

const CHROMIUM = '/usr/bin/chromium';

/**
 * The console's browser tests drive Debian's chromium with playwright-core. Installs it
 * with apt-get (as root, or through sudo) when it is missing; a no-op when it is there.
 */
function ensureChromium() {
  if (fs.existsSync(CHROMIUM)) return;
  step('Installing Debian chromium for the browser tests (apt-get; first run only)…');
  const root = typeof process.getuid === 'function' && process.getuid() === 0;
  const run = (args) => {
    const [command, commandArgs] = root ? ['apt-get', args] : ['sudo', ['-n', 'apt-get', ...args]];
    const result = spawnSync(command, commandArgs, {
      stdio: 'inherit',
      env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    });
    return result.status === 0;
  };
  step('Refreshing the apt package lists (apt-get update)…');
  if (!run(['update'])) throw new Error('apt-get update failed; install chromium by hand: apt-get install -y chromium');
  step('apt-get install chromium…');
  if (!run(['install', '-y', 'chromium']) || !fs.existsSync(CHROMIUM)) {
    throw new Error(`could not install chromium (${CHROMIUM}); install it with: apt-get install -y chromium`);
  }
}

module.exports = { ROOT, DEFAULT_BROKER_INSTANCES, CHROMIUM, step, ensureInstalled, ensurePostgres, ensureKafka, stopKafka, ensureChromium, databaseUrl };
