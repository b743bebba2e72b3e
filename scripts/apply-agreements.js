#!/usr/bin/env node
// Registers the reference participants and applies the reference agreements in
// infra/agreements/ through the hub API, as a governance team would. Idempotent:
// re-applying an unchanged agreement makes no new version.
//
//   node scripts/apply-agreements.js                  participants, then agreements
//   node scripts/apply-agreements.js --participants   participants only (their topics and
//                                                     Kafka ACLs: what a service needs to start)
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');
const DIRECTORY = process.env.ACCORD_AGREEMENTS_DIR || path.join(ROOT, 'infra/agreements');
const HUB = process.env.ACCORD_HUB_URL || `http://127.0.0.1:${process.env.HUB_API_PORT || 3000}`;
const TOKEN = process.env.ACCORD_ADMIN_TOKEN || require('../libs/platform/src/development-defaults.json').adminToken;

async function call(method, route, body, contentType = 'application/json') {
  const response = await fetch(`${HUB}${route}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    try {
      const parsed = JSON.parse(text);
      detail = [parsed.message, ...(parsed.problems ?? []).map((problem) => `  ${problem.path}: ${problem.problem}`)].join('\n');
    } catch {
      // not JSON: print as it came
    }
    throw new Error(`${method} ${route} → ${response.status}\n${detail}`);
  }
  return text ? JSON.parse(text) : undefined;
}

async function main() {
  const participants = YAML.parse(fs.readFileSync(path.join(DIRECTORY, 'participants.yaml'), 'utf8'));
  for (const participant of participants) {
    await call('PUT', `/v1/participants/${participant.id}`, { displayName: participant.displayName });
  }
  process.stdout.write(`  registered ${participants.length} participants\n`);
  if (process.argv.includes('--participants')) return;
  const files = fs.readdirSync(DIRECTORY).filter((file) => file.endsWith('.yaml') && file !== 'participants.yaml').sort();
  for (const file of files) {
    const text = fs.readFileSync(path.join(DIRECTORY, file), 'utf8');
    const { id } = YAML.parse(text);
    const applied = await call('PUT', `/v1/agreements/${id}`, text, 'application/yaml');
    process.stdout.write(`  ${id} v${applied.version}${applied.unchanged ? ' (unchanged)' : ''}\n`);
  }
}

main().catch((error) => {
  process.stderr.write(`apply-agreements: ${error.message}\n`);
  process.exit(1);
});
