import { EventType } from './definition';
import { BooleanField, DateField, DateTimeField, EnumArrayField, EnumField, IntegerField, NumberField, TextField } from './fields';
import { EventDataDto } from './subject.dto';
import { INJECTING_STATUSES, PROBLEM_SUBSTANCES, REFERRAL_SOURCES, SMOKING_STATUSES } from './values';

// Public health events, `ph.*` (docs/domain.md, "Event types"). Most fields are special category (health).

/** `ph.immunisation.administered.v1` */
@EventType({ type: 'ph.immunisation.administered.v1', publisherSystem: 'public-health', description: 'A vaccine dose was administered' })
export class PhImmunisationAdministeredV1 extends EventDataDto {
  @TextField({ maxLength: 64, specialCategory: true, description: 'SNOMED CT concept id of the vaccine product or procedure' })
  vaccineCode: string;

  @TextField({ maxLength: 200, specialCategory: true })
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
@EventType({ type: 'ph.health-check.completed.v1', publisherSystem: 'public-health', description: 'An NHS Health Check was completed' })
export class PhHealthCheckCompletedV1 extends EventDataDto {
  @IntegerField({ min: 40, max: 300, specialCategory: true, description: 'mmHg' })
  systolic: number;

  @IntegerField({ min: 20, max: 200, specialCategory: true, description: 'mmHg' })
  diastolic: number;

  @NumberField({ optional: true, min: 0, specialCategory: true, description: 'Total cholesterol to HDL ratio' })
  cholesterolRatio?: number;

  @NumberField({ min: 5, max: 150, specialCategory: true })
  bmi: number;

  @EnumField(SMOKING_STATUSES, { specialCategory: true })
  smokingStatus: (typeof SMOKING_STATUSES)[number];

  @NumberField({ optional: true, min: 0, max: 100, specialCategory: true, description: 'Ten-year cardiovascular risk, percent' })
  qriskScore?: number;

  @DateTimeField()
  completedAt: string;
}

/** `ph.notifiable-disease.notified.v1`: the national data opt-out never applies. */
@EventType({
  type: 'ph.notifiable-disease.notified.v1',
  publisherSystem: 'public-health',
  description: 'A notifiable disease was notified to the proper officer',
  nationalOptOutNeverApplies: true,
})
export class PhNotifiableDiseaseNotifiedV1 extends EventDataDto {
  @TextField({ maxLength: 200, specialCategory: true })
  disease: string;

  @DateField({ optional: true, notInFuture: true, specialCategory: true })
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
@EventType({ type: 'ph.substance-misuse.referral.v1', publisherSystem: 'public-health', description: 'A referral to drug and alcohol treatment' })
export class PhSubstanceMisuseReferralV1 extends EventDataDto {
  @EnumField(REFERRAL_SOURCES)
  referralSource: (typeof REFERRAL_SOURCES)[number];

  @EnumArrayField(PROBLEM_SUBSTANCES, { specialCategory: true })
  problemSubstances: (typeof PROBLEM_SUBSTANCES)[number][];

  @EnumField(INJECTING_STATUSES, { specialCategory: true })
  injectingStatus: (typeof INJECTING_STATUSES)[number];

  @DateTimeField()
  referredAt: string;

  @BooleanField()
  consentToNdtms: boolean;
}
