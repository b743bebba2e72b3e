import { INJURY_SEVERITIES } from '../event-catalog';
import { BooleanField, DateField, DateTimeField, EnumField, IntegerField, TextField } from './fields';
import { EventDataDto } from './subject.dto';

// Events from NHS partners, DOMAIN.md `nhs.*`.

/** `nhs.hospital-discharge.notified.v1` */
export class NhsHospitalDischargeNotifiedV1 extends EventDataDto {
  /** Discharge to assess pathway 0–3; special category. */
  @IntegerField({ min: 0, max: 3 })
  dischargePathway: number;

  @DateField()
  expectedDischargeDate: string;

  @TextField({ optional: true, maxLength: 200 })
  ward?: string;

  /** Special category. */
  @TextField({ optional: true, maxLength: 4000 })
  needsSummary?: string;
}

/** `nhs.ambulance.fall-attended.v1` */
export class NhsAmbulanceFallAttendedV1 extends EventDataDto {
  @DateTimeField()
  attendedAt: string;

  /** Special category. */
  @EnumField(INJURY_SEVERITIES)
  injury: (typeof INJURY_SEVERITIES)[number];

  @BooleanField()
  conveyed: boolean;

  @BooleanField({ optional: true })
  livesAlone?: boolean;
}
