#!/usr/bin/env node
// Writes the published event contract from the event data classes: docs/asyncapi.json and
// docs/schemas/<type>.json. A type's schema whose change would break partners of its version
// makes the script write nothing, list the changes and exit 1 (the change needs a new `.vN`
// type: docs/event-versioning.md). It compiles the libs with bench/run.js (no `npm run build`).
//
//   npm run contract:write
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { ROOT, build, register, compiledPath } = require('../bench/run');

build();
register();
require('reflect-metadata');
const { contractWritePlan } = require(compiledPath('libs/contracts/src/schema/contract-documents.ts'));

const read = (relative) => {
  const file = path.join(ROOT, relative);
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined;
};

const { write, refused } = contractWritePlan(read);
if (refused.length > 0) {
  // Nothing is written: the AsyncAPI document and the schemas stay one consistent, published set.
  for (const { path: relative, changes } of refused) {
    process.stderr.write(`${relative} would break its published version:\n`);
    for (const { path: field, change } of changes) process.stderr.write(`  ${field || '(data)'}: ${change}\n`);
  }
  process.stderr.write('Nothing written. Keep the published version and add the change as a new version of the type (docs/event-versioning.md).\n');
  process.exit(1);
}
let changed = 0;
for (const [relative, content] of write) {
  if (read(relative) === content) continue;
  fs.mkdirSync(path.dirname(path.join(ROOT, relative)), { recursive: true });
  fs.writeFileSync(path.join(ROOT, relative), content);
  process.stdout.write(`wrote ${relative}\n`);
  changed++;
}
process.stdout.write(`contract: ${changed} file(s) written, ${write.size - changed} unchanged\n`);
