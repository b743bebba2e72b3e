import { IsIn, IsInt, IsISO8601, IsNumber, IsOptional, IsString, Max, Min } from 'class-validator';
import { InboxSubjectField, type InboxHandler, type InboxSubject } from '@accord/domain-service';

const DATE_ONLY = { strict: true, strictSeparator: true } as const;

/** What a hospital discharge notification must carry to start a discharge-to-assess referral. */
export class HospitalDischargeShape {
  @InboxSubjectField() subject: InboxSubject;
  @IsInt() @Min(0) @Max(3) dischargePathway: number;
  @IsISO8601(DATE_ONLY) expectedDischargeDate: string;
  @IsOptional() @IsString() ward?: string;
  @IsOptional() @IsString() needsSummary?: string;
}

/** Housing benefit facts reused as evidence for the care charging financial assessment. */
export class HousingBenefitShape {
  @InboxSubjectField() subject: InboxSubject;
  @IsOptional() @IsString() claimReference?: string;
  @IsOptional() @IsIn(['council', 'housing-association', 'private-lha', 'private-other']) tenure?: string;
  @IsOptional() @IsNumber() @Min(0) eligibleRent?: number;
  @IsOptional() @IsNumber() @Min(0) weeklyAward?: number;
  @IsOptional() @IsISO8601(DATE_ONLY) effectiveFrom?: string;
}

/** DOMAIN.md "Shared records become work", adult social care's rows. */
export const ADULT_SOCIAL_CARE_INBOX: InboxHandler[] = [
  {
    eventType: 'nhs.hospital-discharge.notified.v1',
    shape: HospitalDischargeShape,
    workItem: (record: HospitalDischargeShape) => ({
      kind: 'discharge-to-assess-referral',
      summary: `Discharge to assess: pathway ${record.dischargePathway}, expected discharge ${record.expectedDischargeDate}`,
      details: {
        dischargePathway: record.dischargePathway,
        expectedDischargeDate: record.expectedDischargeDate,
        ...(record.ward ? { ward: record.ward } : {}),
      },
    }),
  },
  {
    eventType: 'rb.housing-benefit.assessed.v1',
    shape: HousingBenefitShape,
    workItem: (record: HousingBenefitShape) => ({
      kind: 'financial-assessment-evidence',
      summary: 'Financial assessment evidence for care charging: housing benefit award (ask once, not twice)',
      details: Object.fromEntries(
        (['claimReference', 'tenure', 'eligibleRent', 'weeklyAward', 'effectiveFrom'] as const)
          .filter((field) => record[field] !== undefined)
          .map((field) => [field, record[field]]),
      ),
    }),
  },
];
