import 'reflect-metadata';
import { readFileSync } from 'node:fs';
import { IsString } from 'class-validator';
import { DataSource } from 'typeorm';
import { BaseEnvironment, ConfigurationError, loadEnvironment } from '@accord/platform';
import { dataSourceOptions, HUB_SCHEMA } from '@accord/persistence';
import { IsAuditPublicKeyList, verificationKeysFrom } from '../audit';
import { verifyAuditLog, type AuditVerificationReport } from '../audit';

/*
 * `npm run audit:verify`: recomputes the audit chain and its signed checkpoints straight
 * from Postgres (DATABASE_URL; no HTTP, no hub-api needed), with a progress bar on
 * stderr. Exit 0: the log verifies; 1: it does not (the first broken seq is named);
 * 2: it could not be checked (configuration, connection).
 *
 *   npm run audit:verify [-- --json] [-- --public-key old-key.pem ...]
 */

/** Only what verification needs: it never needs the private key, so production does not require one here. */
class AuditVerifyEnvironment extends BaseEnvironment {
  @IsString()
  AUDIT_SIGNING_KEY: string = '';

  @IsAuditPublicKeyList()
  AUDIT_TRUSTED_PUBLIC_KEYS: string = '';

  @IsString()
  AUDIT_DEVELOPMENT_KEY_FILE: string = '.run/audit-development-signing-key.pem';
}

export interface CliStreams {
  stdout: { write(text: string): unknown };
  stderr: { write(text: string): unknown; isTTY?: boolean };
}

export async function runAuditVerify(
  argv: readonly string[],
  environment: NodeJS.ProcessEnv,
  streams: CliStreams = { stdout: process.stdout, stderr: process.stderr },
): Promise<number> {
  const fail = (message: string) => {
    streams.stderr.write(`audit:verify: ${message}\n`);
    return 2;
  };
  const json = argv.includes('--json');
  const extraKeys: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--public-key') {
      const file = argv[++i];
      if (!file) return fail('--public-key needs a PEM file');
      try {
        extraKeys.push(readFileSync(file, 'utf8'));
      } catch {
        return fail(`cannot read ${file}`);
      }
    } else if (argv[i] !== '--json') {
      return fail(`unknown argument ${argv[i]} (use --json, --public-key FILE)`);
    }
  }

  let settings: AuditVerifyEnvironment;
  let publicKeys;
  try {
    settings = loadEnvironment(AuditVerifyEnvironment, environment);
    publicKeys = verificationKeysFrom(settings, extraKeys);
  } catch (error) {
    if (error instanceof ConfigurationError) return fail(error.problems.join('; '));
    return fail('a configured audit key is not a usable Ed25519 key');
  }
  if (publicKeys.length === 0) {
    return fail('no key to verify checkpoints with: set AUDIT_SIGNING_KEY or AUDIT_TRUSTED_PUBLIC_KEYS, or pass --public-key FILE');
  }

  const dataSource = new DataSource(
    dataSourceOptions({
      url: settings.DATABASE_URL,
      schema: HUB_SCHEMA,
      entities: [],
      migrations: [],
      applicationName: 'accord-audit-verify',
      // Verification reads two ranges of the chain ahead of the hashing, each on its own connection, plus checkpoints.
      poolSize: 3,
    }),
  );
  try {
    await dataSource.initialize();
  } catch {
    return fail('cannot connect to DATABASE_URL');
  }
  const progress = progressBar(streams.stderr);
  let report: AuditVerificationReport;
  try {
    report = await verifyAuditLog(dataSource.manager, { publicKeys, onProgress: progress.update });
  } catch (error) {
    progress.done();
    const code = (error as { code?: string }).code;
    return fail(code === '42P01' ? 'the audit tables are missing: is DATABASE_URL the hub database?' : 'verification could not read the audit log');
  } finally {
    await dataSource.destroy().catch(() => undefined);
  }
  progress.done();
  streams.stdout.write(json ? `${JSON.stringify(report, null, 2)}\n` : describe(report));
  return report.ok ? 0 : 1;
}

function describe(report: AuditVerificationReport): string {
  const lines: string[] = [];
  if (report.retention) lines.push(`Retention: ${report.retention.note}.`);
  if (report.ok) {
    lines.push(
      `OK: the audit log verifies — ${report.checked.toLocaleString('en-GB')} rows (seq ${report.fromSeq}–${report.throughSeq}), ` +
        `${report.checkpointsChecked} signed checkpoint${report.checkpointsChecked === 1 ? '' : 's'}.`,
    );
    if (report.lastCheckpoint) {
      const unsealed = report.throughSeq - report.lastCheckpoint.seq;
      lines.push(
        `Last checkpoint: seq ${report.lastCheckpoint.seq}, signed ${report.lastCheckpoint.signedAt} by key ${report.lastCheckpoint.keyId}` +
          (unsealed > 0 ? `; ${unsealed} newer row${unsealed === 1 ? ' is' : 's are'} not sealed yet.` : '.'),
      );
    } else if (report.throughSeq >= report.fromSeq) {
      lines.push('No checkpoint seals these rows yet: a rewrite of the whole chain would not be detected.');
    }
  } else {
    lines.push(`BROKEN at seq ${report.firstBrokenSeq}: ${report.problem}`);
    lines.push(`${report.checked.toLocaleString('en-GB')} rows before it verified.`);
  }
  return lines.join('\n') + '\n';
}

/** A bar redrawn in place on a terminal (at most ten times a second); a line per 10% otherwise. */
function progressBar(stream: CliStreams['stderr']) {
  const started = Date.now();
  let lastDraw = 0;
  let lastDecile = -1;
  let drawn = false;
  return {
    update: (checked: number, total: number) => {
      const fraction = total === 0 ? 1 : Math.min(1, checked / total);
      if (stream.isTTY) {
        const now = Date.now();
        if (now - lastDraw < 100 && checked < total) return;
        lastDraw = now;
        const width = 30;
        const filled = Math.round(fraction * width);
        const seconds = (now - started) / 1000;
        const rate = seconds > 0 ? Math.round(checked / seconds) : 0;
        stream.write(
          `\rverifying [${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${Math.floor(fraction * 100)}% ` +
            `${checked.toLocaleString('en-GB')}/${total.toLocaleString('en-GB')} rows  ${rate.toLocaleString('en-GB')} rows/s `,
        );
        drawn = true;
      } else {
        const decile = Math.floor(fraction * 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`verifying: ${decile * 10}% (${checked}/${total} rows)\n`);
      }
    },
    done: () => {
      if (drawn) stream.write('\n');
      drawn = false;
    },
  };
}

if (require.main === module) {
  runAuditVerify(process.argv.slice(2), process.env).then(
    (code) => {
      process.exitCode = code;
    },
    () => {
      process.stderr.write('audit:verify: failed unexpectedly\n');
      process.exitCode = 2;
    },
  );
}
