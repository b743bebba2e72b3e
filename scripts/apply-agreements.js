#!/usr/bin/env node
// Registers the reference participants and applies the reference agreements in
// infra/agreements/ through the hub API, as a governance team would. Idempotent:
// re-applying an unchanged agreement makes no new version.
//
//   node scripts/apply-agreements.js                  participants, then agreements
//   node scripts/apply-agreements.js --participants   participants only (their topics and
//                                                     Kafka ACLs: what a service needs to start)
//   --skip-when-retired   exit 0 (saying so) when ACCORD_ADMIN_TOKEN is production's retired
//                         bootstrap token: what was registered before stays registered
//
// ACCORD_ADMIN_TOKEN is an admin token, or the bootstrap token. A production hub lets the
// bootstrap token only issue an admin token, and only while no admin token is active: the
// script then issues itself one that expires in 15 minutes, uses it, and revokes it, so
// the bootstrap token still issues the operator's first real admin token afterwards.
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const YAML = require('yaml');

const ROOT = path.resolve(__dirname, '..');
const DIRECTORY = process.env.ACCORD_AGREEMENTS_DIR || path.join(ROOT, 'infra/agreements');
const HUB = process.env.ACCORD_HUB_URL || `http://127.0.0.1:${process.env.HUB_API_PORT || 3000}`;
let token = process.env.ACCORD_ADMIN_TOKEN || require('../libs/platform/src/development-defaults.json').adminToken;

class HubError extends Error {
  constructor(message, status, code) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

async function call(method, route, body, contentType = 'application/json') {
  const response = await fetch(`${HUB}${route}`, {
    method,
    headers: { authorization: `Bearer ${token}`, 'content-type': contentType },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  const text = await response.text();
  if (!response.ok) {
    let detail = text;
    let code;
    try {
      const parsed = JSON.parse(text);
      code = parsed.code;
      detail = [parsed.message, ...(parsed.problems ?? []).map((problem) => `  ${problem.path}: ${problem.problem}`)].join('\n');
    } catch {
      // not JSON: print as it came
    }
    throw new HubError(`${method} ${route} → ${response.status}\n${detail}`, response.status, code);
  }
  return text ? JSON.parse(text) : undefined;
}

/** Runs `work` as an admin: with the given token, or with a 15-minute admin token the production bootstrap token issues. */
async function asAdmin(work) {
  try {
    return await work();
  } catch (error) {
    if (!(error instanceof HubError && error.code === 'bootstrap-token-restricted')) throw error;
  }
  let issued;
  try {
    const expiresAt = new Date(Date.now() + 15 * 60_000).toISOString();
    issued = await call('POST', '/v1/tokens', { roles: ['admin'], description: 'apply-agreements: one run, revoked at its end', expiresAt });
  } catch (error) {
    if (!(error instanceof HubError && error.status === 401)) throw error;
    const retired = 'the bootstrap admin token is retired (an admin token is active): set ACCORD_ADMIN_TOKEN to an admin token to register or apply';
    if (process.argv.includes('--skip-when-retired')) {
      process.stdout.write(`  skipped: ${retired}; what was registered before stays registered\n`);
      return undefined;
    }
    throw new Error(retired);
  }
  token = issued.token;
  try {
    return await work();
  } finally {
    await call('DELETE', `/v1/tokens/${issued.id}`);
  }
}

async function main() {
  await asAdmin(apply);
}

async function apply() {
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
