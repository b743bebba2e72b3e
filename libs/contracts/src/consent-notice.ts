import { plainToInstance, Type } from 'class-transformer';
import { IsArray, IsBoolean, IsIn, IsNotEmpty, IsOptional, IsString, IsUUID, ValidateNested, validateSync } from 'class-validator';
import { boundedJson } from './bounds';

/** The type (`ce_type`) of the notice the hub puts on a recipient's inbox topic. */
export const CONSENT_NOTICE_TYPE = 'accord.consent.notice.v1';

/** The statement kinds after which a recipient may have to stop using what it already received. */
export const RESTRICTIVE_CONSENT_KINDS = ['withdraw', 'object', 'national-opt-out'] as const;

export function isRestrictiveConsentKind(kind: string): boolean {
  return (RESTRICTIVE_CONSENT_KINDS as readonly string[]).includes(kind);
}

/** The records a recipient already holds under one agreement that the statement now covers. */
export class ConsentNoticeAffected {
  @IsString()
  @IsNotEmpty()
  agreementId: string;

  @IsString()
  purpose: string;

  @IsArray()
  @IsString({ each: true })
  eventIds: string[];
}

/**
 * The value of an `accord.consent.notice.v1` record: sent when a consent statement now
 * withholds what the recipient already received. It names the person by nothing but the
 * event ids the recipient holds.
 */
export class ConsentNoticeRecord {
  @IsUUID()
  noticeId: string;

  @IsUUID()
  statementId: string;

  @IsIn(RESTRICTIVE_CONSENT_KINDS)
  kind: string;

  scope: { purpose: string | null; recipient: string | null; agreementId: string | null };

  @IsString()
  effectiveFrom: string;

  recordedAt: string;

  @IsArray()
  @ValidateNested({ each: true })
  @Type(() => ConsentNoticeAffected)
  affected: ConsentNoticeAffected[];

  /** True when the list of event ids was cut short. */
  @IsOptional()
  @IsBoolean()
  truncated?: boolean;
}

/** A notice record's value, validated; undefined when it is not one. */
export function decodeConsentNotice(value: Buffer | string | null | undefined): ConsentNoticeRecord | undefined {
  if (value === null || value === undefined) return undefined;
  const parsed = boundedJson(value, []);
  if (typeof parsed !== 'object' || parsed === null) return undefined;
  const notice = plainToInstance(ConsentNoticeRecord, parsed);
  return validateSync(notice, { validationError: { target: false, value: false } }).length > 0 ? undefined : notice;
}
