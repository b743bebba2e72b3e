import { NhsAmbulanceFallAttendedV1 } from '@accord/contracts';
import { inboxHandler, type InboxHandler } from '@accord/domain-service';

/** The facts of a fall attendance a falls-prevention worker needs, whichever were released. */
const FALL_DETAILS = ['attendedAt', 'injury', 'conveyed', 'livesAlone'] as const;

/** docs/domain.md, "Shared records become work", public health's row. */
export const PUBLIC_HEALTH_INBOX: InboxHandler[] = [
  // An ambulance fall attendance starts a falls-prevention referral when it says when the fall was attended.
  inboxHandler({
    event: NhsAmbulanceFallAttendedV1,
    needs: ['attendedAt'],
    workItem: (record) => ({
      kind: 'falls-prevention-referral',
      summary: `Falls-prevention referral: fall attended by ambulance at ${record.attendedAt}`,
      details: Object.fromEntries(FALL_DETAILS.filter((field) => record[field] !== undefined).map((field) => [field, record[field]])),
    }),
  }),
];
