import { AscServiceStartedV1, type SERVICE_TYPES } from '@accord/contracts';
import { inboxHandler, type InboxHandler } from '@accord/domain-service';

/** Entering a care home is a change of circumstances for council tax and housing benefit. */
const CARE_HOME_SERVICES: readonly (typeof SERVICE_TYPES)[number][] = ['long-term-residential', 'long-term-nursing'];

/** docs/domain.md, "Shared records become work", revenues and benefits' row. */
export const REVENUES_BENEFITS_INBOX: InboxHandler[] = [
  inboxHandler({
    event: AscServiceStartedV1,
    needs: ['serviceType', 'startDate'],
    workItem: (record) =>
      CARE_HOME_SERVICES.includes(record.serviceType)
        ? {
            kind: 'change-of-circumstances',
            summary: 'Change of circumstances: review council tax (class E exemption) and housing benefit',
            details: { serviceType: record.serviceType, startDate: record.startDate },
          }
        : null,
  }),
];
