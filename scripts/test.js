#!/usr/bin/env node
// `npm test`: every test — type check, unit, integration and end-to-end — against the
// real Kafka broker and Postgres, which this script makes sure are running.
'use strict';
const { spawnSync } = require('node:child_process');
const stack = require('./lib/stack');

async function main() {
  stack.ensureInstalled();
  stack.ensureChromium();
  await stack.ensurePostgres(process.env.TEST_DATABASE_URL || 'postgres://postgres@127.0.0.1:5432/postgres');
  const startedKafka = stack.ensureKafka();
  let status = 1;
  try {
    stack.step('Type-checking (tsc --noEmit)…');
    const typecheck = spawnSync('npx', ['tsc', '-p', 'tsconfig.json', '--noEmit'], { cwd: stack.ROOT, stdio: 'inherit' });
    if (typecheck.status !== 0) return 1;
    stack.step('Running jest (unit, integration, e2e)…');
    const jest = spawnSync('npx', ['jest', '--maxWorkers=2', '--forceExit', ...process.argv.slice(2)], { cwd: stack.ROOT, stdio: 'inherit' });
    status = jest.status ?? 1;
  } finally {
    if (startedKafka) {
      stack.step('Stopping the Kafka broker this run started…');
      stack.stopKafka();
    }
  }
  return status;
}

main().then(
  (status) => process.exit(status),
  (error) => {
    process.stderr.write(`npm test: ${error.message}\n`);
    process.exit(1);
  },
);
