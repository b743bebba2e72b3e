// Starts the real hub-api (apps/hub-api/src/main.ts, unchanged) in a child process of
// audit-export.int-spec.ts, so the export's memory is measured in a process that runs
// nothing else: in the jest worker, an earlier test file's leftovers (a pending timer, a
// buffer freed late) moved the in-process figure by more than the export itself.
//
// Compiled with @swc/core by bench/run.js, as the benchmark and chaos-broker.cjs start apps.
// Run with --expose-gc. On the IPC message 'retained' it collects garbage fully and answers
// with the bytes still held: V8 heap plus ArrayBuffers (where Buffers live). It exits when
// the test process goes away (its IPC channel closes), so a killed test run leaves nothing.
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const { build, register, compiledPath } = require(path.join(ROOT, 'bench/run.js'));

if (typeof global.gc !== 'function') throw new Error('measured-hub-api.cjs needs node --expose-gc');
process.on('disconnect', () => process.exit(1));
process.on('message', (message) => {
  if (message !== 'retained') return;
  global.gc();
  const usage = process.memoryUsage();
  process.send({ retained: usage.heapUsed + usage.arrayBuffers, heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers });
});

build();
register();
require('reflect-metadata');
require(compiledPath('apps/hub-api/src/main.ts'));
