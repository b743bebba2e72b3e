import { IsIn, IsISO8601 } from 'class-validator';
import { SERVICE_TYPES } from '@accord/contracts';
import { InboxSubjectField, type InboxHandler, type InboxSubject } from '@accord/domain-service';

/** Entering a care home is a change of circumstances for council tax and housing benefit. */
const CARE_HOME_SERVICES: readonly string[] = ['long-term-residential', 'long-term-nursing'];

export class ServiceStartedShape {
  @InboxSubjectField() subject: InboxSubject;
  @IsIn([...SERVICE_TYPES]) serviceType: string;
  @IsISO8601({ strict: true, strictSeparator: true }) startDate: string;
}

/** DOMAIN.md "Shared records become work", revenues and benefits' row. */
export const REVENUES_BENEFITS_INBOX: InboxHandler[] = [
  {
    eventType: 'asc.service.started.v1',
    shape: ServiceStartedShape,
    workItem: (record: ServiceStartedShape) =>
      CARE_HOME_SERVICES.includes(record.serviceType)
        ? {
            kind: 'change-of-circumstances',
            summary: 'Change of circumstances: review council tax (class E exemption) and housing benefit',
            details: { serviceType: record.serviceType, startDate: record.startDate },
          }
        : null,
  },
];
