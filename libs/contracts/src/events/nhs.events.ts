import { EventType } from './definition';
import { BooleanField, DateField, DateTimeField, EnumField, IntegerField, TextField } from './fields';
import { EventDataDto } from './subject.dto';
import { INJURY_SEVERITIES } from './values';

// Events from NHS partners, `nhs.*` (docs/domain.md, "Event types").

/** `nhs.hospital-discharge.notified.v1` */
@EventType({
  type: 'nhs.hospital-discharge.notified.v1',
  publisherSystem: 'nhs',
  description: 'A hospital notified an expected discharge needing care and support',
})
export class NhsHospitalDischargeNotifiedV1 extends EventDataDto {
  @IntegerField({ min: 0, max: 3, specialCategory: true, description: 'Discharge to assess pathway 0 to 3' })
  dischargePathway: number;

  @DateField()
  expectedDischargeDate: string;

  @TextField({ optional: true, maxLength: 200 })
  ward?: string;

  @TextField({ optional: true, maxLength: 4000, specialCategory: true })
  needsSummary?: string;
}

/** `nhs.ambulance.fall-attended.v1` */
@EventType({ type: 'nhs.ambulance.fall-attended.v1', publisherSystem: 'nhs', description: 'An ambulance crew attended a fall' })
export class NhsAmbulanceFallAttendedV1 extends EventDataDto {
  @DateTimeField()
  attendedAt: string;

  @EnumField(INJURY_SEVERITIES, { specialCategory: true })
  injury: (typeof INJURY_SEVERITIES)[number];

  @BooleanField()
  conveyed: boolean;

  @BooleanField({ optional: true })
  livesAlone?: boolean;
}
