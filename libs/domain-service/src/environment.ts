import { Type } from 'class-transformer';
import { IsInt, Max, Min } from 'class-validator';
import { BaseEnvironment } from '@accord/platform';

/** Settings every domain service has on top of the base ones. */
export class DomainServiceEnvironment extends BaseEnvironment {
  /** How long published outbox rows are kept (for diagnosis) before they are purged. */
  @Type(() => Number)
  @IsInt({ message: 'OUTBOX_RETENTION_HOURS must be a whole number of hours' })
  @Min(1, { message: 'OUTBOX_RETENTION_HOURS must be between 1 and 8760' })
  @Max(8760, { message: 'OUTBOX_RETENTION_HOURS must be between 1 and 8760' })
  OUTBOX_RETENTION_HOURS: number = 168;
}
