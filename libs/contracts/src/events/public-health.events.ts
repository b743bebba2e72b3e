import { INJECTING_STATUSES, PROBLEM_SUBSTANCES, REFERRAL_SOURCES, SMOKING_STATUSES } from '../event-catalog';
import { BooleanField, DateField, DateTimeField, EnumArrayField, EnumField, IntegerField, NumberField, TextField } from './fields';
import { EventDataDto } from './subject.dto';

// Public health events, DOMAIN.md `ph.*`. Most fields are special category (health).

/** `ph.immunisation.administered.v1` */
export class PhImmunisationAdministeredV1 extends EventDataDto {
  /** SNOMED CT concept id of the vaccine product or procedure. */
  @TextField({ maxLength: 64 })
  vaccineCode: string;

  @TextField({ maxLength: 200 })
  targetDisease: string;

  @IntegerField({ min: 1 })
  doseNumber: number;

  @DateTimeField()
  administeredAt: string;

  @TextField({ optional: true, maxLength: 64 })
  lotNumber?: string;

  @TextField({ optional: true, maxLength: 64 })
  site?: string;

  @TextField({ optional: true, maxLength: 64 })
  route?: string;

  @TextField({ optional: true, maxLength: 200 })
  performer?: string;
}

/** `ph.health-check.completed.v1` (NHS Health Check). */
export class PhHealthCheckCompletedV1 extends EventDataDto {
  /** mmHg. */
  @IntegerField({ min: 40, max: 300 })
  systolic: number;

  /** mmHg. */
  @IntegerField({ min: 20, max: 200 })
  diastolic: number;

  /** Total cholesterol to HDL ratio. */
  @NumberField({ optional: true, min: 0 })
  cholesterolRatio?: number;

  @NumberField({ min: 5, max: 150 })
  bmi: number;

  @EnumField(SMOKING_STATUSES)
  smokingStatus: (typeof SMOKING_STATUSES)[number];

  /** Ten-year cardiovascular risk, percent. */
  @NumberField({ optional: true, min: 0, max: 100 })
  qriskScore?: number;

  @DateTimeField()
  completedAt: string;
}

/** `ph.notifiable-disease.notified.v1`: the national data opt-out never applies. */
export class PhNotifiableDiseaseNotifiedV1 extends EventDataDto {
  @TextField({ maxLength: 200 })
  disease: string;

  @DateField({ optional: true, notInFuture: true })
  onsetDate?: string;

  @DateTimeField()
  notifiedAt: string;

  @TextField({ maxLength: 200 })
  notifier: string;

  @TextField({ optional: true, maxLength: 200 })
  occupation?: string;

  @TextField({ optional: true, maxLength: 200 })
  setting?: string;
}

/** `ph.substance-misuse.referral.v1`: shared onward only with explicit consent. */
export class PhSubstanceMisuseReferralV1 extends EventDataDto {
  @EnumField(REFERRAL_SOURCES)
  referralSource: (typeof REFERRAL_SOURCES)[number];

  @EnumArrayField(PROBLEM_SUBSTANCES)
  problemSubstances: (typeof PROBLEM_SUBSTANCES)[number][];

  @EnumField(INJECTING_STATUSES)
  injectingStatus: (typeof INJECTING_STATUSES)[number];

  @DateTimeField()
  referredAt: string;

  @BooleanField()
  consentToNdtms: boolean;
}
