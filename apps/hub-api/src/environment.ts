import { IsNotEmpty, Matches } from 'class-validator';
import { DEVELOPMENT_DEFAULTS, portSetting } from '@accord/platform';
import { AuditEnvironment } from './audit/audit.environment';
import { opsIntegerSetting } from './ops/ops.settings';

export const DEVELOPMENT_ADMIN_TOKEN = DEVELOPMENT_DEFAULTS.adminToken;

/** hub-api's settings; the audit log's (signing key, checkpoints, retention) come from AuditEnvironment. */
export class HubApiEnvironment extends AuditEnvironment {
  @portSetting('HUB_API_PORT')
  HUB_API_PORT: number = 3000;

  /** The first admin token; `npm start` prints the development default. */
  @IsNotEmpty({ message: 'ACCORD_ADMIN_TOKEN must be set' })
  @Matches(/^\S{16,}$/, { message: 'ACCORD_ADMIN_TOKEN must be at least 16 characters without spaces' })
  ACCORD_ADMIN_TOKEN: string = DEVELOPMENT_ADMIN_TOKEN;

  /** Topic health: the sliding window rates and consumer group statuses are computed over (CONTRACT.md §7). */
  @opsIntegerSetting('OPS_WINDOW_MS', 2000, 3_600_000)
  OPS_WINDOW_MS: number = 60_000;

  /** How often the hub samples end offsets and committed offsets (also sampled on demand). */
  @opsIntegerSetting('OPS_SAMPLE_INTERVAL_MS', 200, 60_000)
  OPS_SAMPLE_INTERVAL_MS: number = 5000;

  /** How far back the console's throughput and lag chart (and lag in seconds) can look. */
  @opsIntegerSetting('OPS_HISTORY_MINUTES', 1, 240)
  OPS_HISTORY_MINUTES: number = 15;

  /** A dead letter redriven this many times is not redriven again. */
  @opsIntegerSetting('OPS_REDRIVE_LIMIT', 1, 100)
  OPS_REDRIVE_LIMIT: number = 3;

  /** Most DLQ records the hub keeps in memory to list and redrive (the oldest beyond it are counted, not listed). */
  @opsIntegerSetting('OPS_DLQ_MAX_RECORDS', 100, 1_000_000)
  OPS_DLQ_MAX_RECORDS: number = 20_000;
}
