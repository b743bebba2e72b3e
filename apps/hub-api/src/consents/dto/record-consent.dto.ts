import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import {
  IsDefined,
  IsIn,
  IsNotEmpty,
  IsObject,
  IsOptional,
  IsString,
  Matches,
  MaxLength,
  ValidateBy,
  ValidateNested,
  type ValidationOptions,
} from 'class-validator';
import {
  isRfc3339DateTime,
  isValidNhsNumber,
  IsNiNumber,
  NormaliseNhsNumber,
  NormaliseNiNumber,
  PARTICIPANT_ID_PATTERN,
} from '@accord/contracts';
import { AGREEMENT_ID, CONSENT_KINDS, isOptOutKind, type ConsentKind } from '@accord/governance';

/* Validation messages name the rule, never the value: subjects are NHS and NI numbers. */

export const MAX_PURPOSE_LENGTH = 200;
export const MAX_RECORDED_BY_LENGTH = 200;
export const MAX_EVIDENCE_LENGTH = 2000;

const isAbsent = (value: unknown): boolean => value === undefined || value === null;

/**
 * `nhsNumber` is required unless an `niNumber` is given; when present it must pass Modulus 11.
 * One constraint, so a subject with neither gets one problem rather than three.
 */
export function IsSubjectNhsNumber(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isSubjectNhsNumber',
      validator: {
        validate: (value, args) => (isAbsent(value) ? !isAbsent((args?.object as { niNumber?: unknown }).niNumber) : isValidNhsNumber(value)),
        defaultMessage: (args) =>
          isAbsent(args?.value)
            ? 'the subject needs an nhsNumber or an niNumber'
            : '$property must be a valid NHS number: 10 digits passing the Modulus 11 check',
      },
    },
    options,
  );
}

export function IsRfc3339(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'isRfc3339',
      validator: {
        validate: (value) => isRfc3339DateTime(value) && Number.isFinite(Date.parse(value)),
        defaultMessage: () => '$property must be an RFC 3339 date-time with a time zone, e.g. 2026-11-28T10:00:00Z',
      },
    },
    options,
  );
}

/** National data opt-out statements apply to every use: a scope on one would suggest otherwise. */
function HasNoScopeForOptOut(options?: ValidationOptions): PropertyDecorator {
  return ValidateBy(
    {
      name: 'hasNoScopeForOptOut',
      validator: {
        validate: (value, args) => {
          const kind = (args?.object as { kind?: unknown }).kind;
          if (typeof kind !== 'string' || !isOptOutKind(kind) || typeof value !== 'object' || value === null) return true;
          return Object.values(value as Record<string, unknown>).every(isAbsent);
        },
        defaultMessage: () => 'national-opt-out and national-opt-out-removed statements have no scope: leave it out',
      },
    },
    options,
  );
}

/** Who the statement is about: at least one identifier; each one given must be valid. Never stored raw. */
export class ConsentSubjectRequest {
  @ApiPropertyOptional({ example: '9434765919', description: 'Spaces allowed; stored only as a keyed hash' })
  @NormaliseNhsNumber()
  @IsSubjectNhsNumber()
  nhsNumber?: string;

  @ApiPropertyOptional({ example: 'QQ123456C', description: 'Stored only as a keyed hash' })
  @IsOptional()
  @NormaliseNiNumber()
  @IsNiNumber()
  niNumber?: string;
}

/** Which uses the statement is about; an unset key matches anything (docs/contract.md, "Consent"). */
export class ConsentScopeRequest {
  @ApiPropertyOptional({ example: 'substance-misuse-treatment', nullable: true, type: String, description: "An agreement's purpose code" })
  @IsOptional()
  @IsString()
  @IsNotEmpty()
  @MaxLength(MAX_PURPOSE_LENGTH)
  purpose?: string | null;

  @ApiPropertyOptional({ example: 'ohid.ndtms', nullable: true, type: String, description: 'A registered participant' })
  @IsOptional()
  @Matches(PARTICIPANT_ID_PATTERN, { message: 'recipient must be a participant id <org>.<system>' })
  recipient?: string | null;

  @ApiPropertyOptional({ example: 'hants-ph-drug-treatment-to-ndtms', nullable: true, type: String, description: 'A known agreement' })
  @IsOptional()
  @MaxLength(100)
  @Matches(AGREEMENT_ID, { message: 'agreementId must be an agreement id: lower-case letters, digits and hyphens' })
  agreementId?: string | null;
}

/** `POST /v1/consents`: one statement about one person (docs/contract.md, "Consent"). */
export class RecordConsentRequest {
  @ApiProperty({ type: ConsentSubjectRequest })
  @IsDefined()
  @IsObject()
  @ValidateNested()
  @Type(() => ConsentSubjectRequest)
  subject: ConsentSubjectRequest;

  @ApiProperty({ enum: CONSENT_KINDS })
  @IsIn(CONSENT_KINDS, { message: `kind must be one of ${CONSENT_KINDS.join(', ')}` })
  kind: ConsentKind;

  @ApiPropertyOptional({ type: ConsentScopeRequest, nullable: true, description: 'Not for the national opt-out kinds' })
  @IsOptional()
  @IsObject()
  @HasNoScopeForOptOut()
  @ValidateNested()
  @Type(() => ConsentScopeRequest)
  scope?: ConsentScopeRequest | null;

  @ApiPropertyOptional({ example: '2026-11-28T10:00:00Z', description: 'RFC 3339; when recorded if absent' })
  @IsOptional()
  @IsRfc3339()
  effectiveFrom?: string;

  @ApiPropertyOptional({ maxLength: MAX_RECORDED_BY_LENGTH })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_RECORDED_BY_LENGTH)
  recordedBy?: string;

  @ApiPropertyOptional({ maxLength: MAX_EVIDENCE_LENGTH, description: 'Where the statement is evidenced, e.g. a document reference' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_EVIDENCE_LENGTH)
  evidence?: string;
}

/** `GET /v1/consents?nhsNumber=…|niNumber=…`. */
export class ConsentLookupQuery {
  @ApiPropertyOptional({ example: '9434765919', description: 'Hashed server-side; never stored or logged' })
  @NormaliseNhsNumber()
  @IsSubjectNhsNumber()
  nhsNumber?: string;

  @ApiPropertyOptional({ example: 'QQ123456C', description: 'Hashed server-side; never stored or logged' })
  @IsOptional()
  @NormaliseNiNumber()
  @IsNiNumber()
  niNumber?: string;
}
