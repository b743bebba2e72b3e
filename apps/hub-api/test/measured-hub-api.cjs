// Starts the real hub-api (apps/hub-api/src/main.ts, unchanged) in a child process of
// audit-export.int-spec.ts, so the export's memory is measured in a process that runs
// nothing else: in the jest worker, an earlier test file's leftovers (a pending timer, a
// buffer freed late) moved the in-process figure by more than the export itself.
//
// Compiled with @swc/core by bench/run.js, as the benchmark and chaos-broker.cjs start apps.
// Run with --expose-gc. On the IPC message 'retained' it collects garbage fully and answers
// with the bytes still held: V8 heap plus ArrayBuffers (where Buffers live), as below. It exits when
// the test process goes away (its IPC channel closes), so a killed test run leaves nothing.
'use strict';
const path = require('node:path');

const ROOT = path.resolve(__dirname, '../../..');
const { build, register, compiledPath } = require(path.join(ROOT, 'bench/run.js'));

if (typeof global.gc !== 'function') throw new Error('measured-hub-api.cjs needs node --expose-gc');
process.on('disconnect', () => process.exit(1));
// Two measurements 250 ms apart, the smaller one counts: something else in the process (seen:
// 18-27 MB of ArrayBuffers for a moment, gone by the next sample) can hold buffers at the instant
// of one, where memory the export holds is held at both.
const measure = () => {
  global.gc();
  const usage = process.memoryUsage();
  return { retained: usage.heapUsed + usage.arrayBuffers, heapUsed: usage.heapUsed, arrayBuffers: usage.arrayBuffers };
};
process.on('message', (message) => {
  if (message !== 'retained') return;
  const first = measure();
  setTimeout(() => {
    const second = measure();
    process.send(second.retained < first.retained ? second : first);
  }, 250);
});

build();
register();
require('reflect-metadata');
require(compiledPath('apps/hub-api/src/main.ts'));
