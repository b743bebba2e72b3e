// Starts the real sharing broker (apps/sharing-broker/src/main.ts, unchanged) in a child
// process of chaos.int-spec.ts, with two test-only differences:
//
// 1. TypeScript is compiled with @swc/core by bench/run.js (as the benchmark starts the
//    broker). tsx cannot run the apps: esbuild does not emit decorator metadata, so Nest's
//    dependency injection fails ("Nest can't resolve dependencies of the KafkaHealthIndicator").
// 2. CHAOS_KAFKA_PROXIES ({"host:port": "proxyHost:proxyPort"}) sends every TLS connection
//    to a Kafka broker through the test's TcpProxy. KAFKA_BROKERS alone cannot: it is only
//    the bootstrap list, and kafkajs then connects to the address each broker advertises.
//    The broker's certificate is still checked against the name it was dialled by. A
//    connection to an address not in the map is reported on stderr (the test fails on it).
//
// The process exits when the test process goes away (its IPC channel closes), so a test
// run killed half-way leaves no broker behind.
'use strict';
const net = require('node:net');
const path = require('node:path');
const tls = require('node:tls');

const ROOT = path.resolve(__dirname, '../../..');

// The repository's on-the-fly compilation (@swc/core, as jest compiles): bench/run.js.
const { build, register, compiledPath } = require(path.join(ROOT, 'bench/run.js'));

const proxies = JSON.parse(process.env.CHAOS_KAFKA_PROXIES ?? '{}');
if (Object.keys(proxies).length > 0) {
  const connect = tls.connect;
  tls.connect = function redirected(...args) {
    const options = args[0];
    if (options === null || typeof options !== 'object') return connect.apply(this, args);
    const target = `${options.host}:${options.port}`;
    const via = proxies[target];
    if (!via) {
      process.stderr.write(`chaos-broker: unmapped Kafka connection to ${target}\n`);
      return connect.apply(this, args);
    }
    const separator = via.lastIndexOf(':');
    const dialled = options.host;
    const rewritten = {
      ...options,
      host: via.slice(0, separator),
      port: Number(via.slice(separator + 1)),
      ...(net.isIP(dialled) ? {} : { servername: options.servername ?? dialled }),
      checkServerIdentity: (_host, certificate) => tls.checkServerIdentity(dialled, certificate),
    };
    return connect.call(this, rewritten, ...args.slice(1));
  };
}

// Diagnostics: CHAOS_KAFKAJS_LOG_LEVEL=info (or debug) lets kafkajs's own log through (the
// apps keep it at warn), e.g. group joins and assignments; LOG_LEVEL must let it through too.
const kafkajsLevel = process.env.CHAOS_KAFKAJS_LOG_LEVEL;
if (kafkajsLevel) {
  const kafkajs = require('kafkajs');
  const level = kafkajs.logLevel[kafkajsLevel.toUpperCase()];
  const Kafka = kafkajs.Kafka;
  kafkajs.Kafka = class extends Kafka {
    constructor(config) {
      super({ ...config, logLevel: level });
    }
  };
}

if (process.send) process.on('disconnect', () => process.exit(1));

build();
register();
require('reflect-metadata');
require(compiledPath('apps/sharing-broker/src/main.ts'));
