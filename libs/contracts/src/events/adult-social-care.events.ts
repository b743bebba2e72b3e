import {
  ASSESSMENT_TYPES,
  DELIVERY_MECHANISMS,
  LOCATION_TYPES,
  PRIMARY_SUPPORT_REASONS,
  SERVICE_TYPES,
  SOURCES_OF_RISK,
  TYPES_OF_RISK,
} from './values';
import { EventType } from './definition';
import { BooleanField, DateField, DateTimeField, EnumArrayField, EnumField, NumberField, TextField } from './fields';
import { EventDataDto } from './subject.dto';

// Adult social care (Care Act 2014) events, `asc.*` (docs/domain.md, "Event types").

/** `asc.assessment.completed.v1` */
@EventType({
  type: 'asc.assessment.completed.v1',
  publisherSystem: 'adult-social-care',
  description: 'A Care Act needs or financial assessment was completed',
})
export class AscAssessmentCompletedV1 extends EventDataDto {
  @EnumField(ASSESSMENT_TYPES)
  assessmentType: (typeof ASSESSMENT_TYPES)[number];

  @BooleanField()
  eligibleNeedsIdentified: boolean;

  @EnumField(PRIMARY_SUPPORT_REASONS, { optional: true, specialCategory: true })
  primarySupportReason?: (typeof PRIMARY_SUPPORT_REASONS)[number];

  @BooleanField()
  hasUnpaidCarer: boolean;

  @DateTimeField()
  completedAt: string;

  @TextField({ optional: true, maxLength: 200 })
  team?: string;
}

/** The fields `asc.service.started.v1` and `asc.service.ended.v1` share. */
export abstract class AscServiceDetails extends EventDataDto {
  @EnumField(SERVICE_TYPES)
  serviceType: (typeof SERVICE_TYPES)[number];

  @EnumField(DELIVERY_MECHANISMS)
  deliveryMechanism: (typeof DELIVERY_MECHANISMS)[number];

  @TextField({ optional: true, maxLength: 64 })
  providerCqcLocationId?: string;

  @NumberField({ optional: true, min: 0 })
  plannedUnitsPerWeek?: number;

  @NumberField({ optional: true, min: 0, description: 'Pounds' })
  weeklyCost?: number;
}

/** `asc.service.started.v1` */
@EventType({ type: 'asc.service.started.v1', publisherSystem: 'adult-social-care', description: 'A care and support service started' })
export class AscServiceStartedV1 extends AscServiceDetails {
  @DateField()
  startDate: string;
}

/** `asc.service.ended.v1` */
@EventType({ type: 'asc.service.ended.v1', publisherSystem: 'adult-social-care', description: 'A care and support service ended' })
export class AscServiceEndedV1 extends AscServiceDetails {
  @DateField()
  endDate: string;

  @TextField({ optional: true })
  endReason?: string;
}

/** `asc.safeguarding.concern-raised.v1`, a safeguarding event. */
@EventType({
  type: 'asc.safeguarding.concern-raised.v1',
  publisherSystem: 'adult-social-care',
  description: 'A safeguarding concern was raised about an adult at risk',
  safeguarding: true,
})
export class AscSafeguardingConcernRaisedV1 extends EventDataDto {
  @TextField({ maxLength: 128 })
  concernId: string;

  @EnumArrayField(TYPES_OF_RISK, { specialCategory: true })
  typesOfRisk: (typeof TYPES_OF_RISK)[number][];

  @EnumField(LOCATION_TYPES)
  locationType: (typeof LOCATION_TYPES)[number];

  @EnumField(SOURCES_OF_RISK)
  sourceOfRisk: (typeof SOURCES_OF_RISK)[number];

  @BooleanField()
  s42EnquiryStarted: boolean;

  @DateTimeField()
  raisedAt: string;
}

/** `asc.review.completed.v1` */
@EventType({ type: 'asc.review.completed.v1', publisherSystem: 'adult-social-care', description: 'A care and support plan review was completed' })
export class AscReviewCompletedV1 extends EventDataDto {
  @TextField()
  reviewReason: string;

  @BooleanField()
  outcomesAchieved: boolean;

  @DateTimeField()
  completedAt: string;
}
