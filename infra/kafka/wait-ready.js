#!/usr/bin/env node
/*
 * Waits until a Kafka broker really answers admin requests (connect + describeCluster +
 * listTopics), polling with a short backoff instead of sleeping a fixed time.
 *
 *   node infra/kafka/wait-ready.js --tls-dir .run/pki [--brokers h:p,h:p] [--timeout 90]
 *                                  [--pid 1234] [--log path/to/kafka.log] [--quiet]
 *
 * It connects over TLS as the operator identity (`<tls-dir>/accord-operator.{crt,key}`,
 * trusting `<tls-dir>/ca.crt`): the broker has no other way in.
 *
 * Exit codes: 0 ready; 1 timed out; 2 the broker process (--pid) died while starting.
 * On failure the last lines of --log are printed to stderr.
 */
'use strict';

const fs = require('node:fs');
const path = require('node:path');

function loadKafkajs() {
  try {
    return require('kafkajs');
  } catch {
    // Run from anywhere: fall back to the repository's node_modules.
    return require(path.resolve(__dirname, '../../node_modules/kafkajs'));
  }
}

function parseArgs(argv) {
  const options = {
    brokers: process.env.KAFKA_BROKERS || '127.0.0.1:9092',
    timeout: 90,
    pid: undefined,
    log: undefined,
    tlsDir: undefined,
    quiet: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    switch (arg) {
      case '--brokers': options.brokers = value(); break;
      case '--timeout': options.timeout = Number(value()); break;
      case '--pid': options.pid = Number(value()); break;
      case '--log': options.log = value(); break;
      case '--tls-dir': options.tlsDir = value(); break;
      case '--quiet': options.quiet = true; break;
      default: throw new Error(`unknown argument: ${arg}`);
    }
  }
  if (!Number.isFinite(options.timeout) || options.timeout <= 0) throw new Error('--timeout must be a positive number of seconds');
  if (!options.tlsDir) throw new Error('--tls-dir is required: the broker only takes TLS clients with a certificate');
  return options;
}

function tail(file, lines = 40) {
  if (!file) return '';
  try {
    const text = fs.readFileSync(file, 'utf8');
    return text.split('\n').slice(-lines - 1).join('\n');
  } catch {
    return `(no log at ${file})`;
  }
}

function alive(pid) {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return error.code === 'EPERM';
  }
  // An exited child that its parent has not reaped yet is a zombie: dead for our purposes.
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2)[0] !== 'Z';
  } catch {
    return true;
  }
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The operator identity's TLS settings for kafkajs. */
function operatorSsl(directory) {
  const read = (name) => fs.readFileSync(path.join(directory, name), 'utf8');
  return { ca: [read('ca.crt')], cert: read('accord-operator.crt'), key: read('accord-operator.key'), rejectUnauthorized: true };
}

async function probe(Kafka, logLevel, brokers, ssl) {
  const kafka = new Kafka({
    clientId: 'accord-kafka-wait-ready',
    brokers,
    ssl,
    logLevel: logLevel.NOTHING,
    connectionTimeout: 1000,
    requestTimeout: 3000,
    retry: { retries: 0 },
  });
  const admin = kafka.admin({ retry: { retries: 0 } });
  try {
    await admin.connect();
    const cluster = await admin.describeCluster();
    if (!cluster.brokers || cluster.brokers.length === 0) throw new Error('broker answered but reports no live brokers yet');
    if (cluster.controller === null || cluster.controller === undefined || cluster.controller < 0) {
      throw new Error('broker answered but no active controller yet');
    }
    await admin.listTopics();
    return cluster;
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const brokers = options.brokers.split(',').map((b) => b.trim()).filter(Boolean);
  const { Kafka, logLevel } = loadKafkajs();
  const started = Date.now();
  const deadline = started + options.timeout * 1000;
  let lastError = 'no attempt yet';
  let lastReport = started;
  let delay = 100;
  const say = (line) => { if (!options.quiet) process.stdout.write(`${line}\n`); };
  const fail = (code, message) => {
    process.stderr.write(`${message}\n`);
    if (options.log) process.stderr.write(`--- last lines of ${options.log} ---\n${tail(options.log)}\n`);
    process.exit(code);
  };

  for (;;) {
    if (options.pid && !alive(options.pid)) {
      fail(2, `Kafka process ${options.pid} exited while starting (last probe error: ${lastError})`);
    }
    try {
      const cluster = await probe(Kafka, logLevel, brokers, operatorSsl(options.tlsDir));
      const seconds = ((Date.now() - started) / 1000).toFixed(1);
      say(`Kafka ready at ${brokers.join(',')} after ${seconds}s (cluster ${cluster.clusterId}, ${cluster.brokers.length} broker(s), controller ${cluster.controller})`);
      return;
    } catch (error) {
      lastError = (error && error.message) || String(error);
    }
    const now = Date.now();
    if (now >= deadline) {
      fail(1, `Kafka did not become ready at ${brokers.join(',')} within ${options.timeout}s (last error: ${lastError})`);
    }
    if (now - lastReport >= 3000) {
      lastReport = now;
      say(`  waiting for Kafka at ${brokers.join(',')}… ${Math.round((now - started) / 1000)}s (${lastError})`);
    }
    await sleep(Math.min(delay, deadline - now));
    delay = Math.min(delay * 2, 1000);
  }
}

main().catch((error) => {
  process.stderr.write(`wait-ready: ${error && error.stack ? error.stack : error}\n`);
  process.exit(1);
});
