import { IsBoolean, IsIn, IsISO8601, IsOptional } from 'class-validator';
import { InboxSubjectField, type InboxHandler, type InboxSubject } from '@accord/domain-service';

/** What an ambulance fall attendance must carry to start a falls-prevention referral. */
export class FallAttendedShape {
  @InboxSubjectField() subject: InboxSubject;
  @IsISO8601({ strict: true }) attendedAt: string;
  @IsOptional() @IsIn(['none', 'minor', 'serious']) injury?: string;
  @IsOptional() @IsBoolean() conveyed?: boolean;
  @IsOptional() @IsBoolean() livesAlone?: boolean;
}

/** DOMAIN.md "Shared records become work", public health's row. */
export const PUBLIC_HEALTH_INBOX: InboxHandler[] = [
  {
    eventType: 'nhs.ambulance.fall-attended.v1',
    shape: FallAttendedShape,
    workItem: (record: FallAttendedShape) => ({
      kind: 'falls-prevention-referral',
      summary: `Falls-prevention referral: fall attended by ambulance at ${record.attendedAt}`,
      details: Object.fromEntries(
        (['attendedAt', 'injury', 'conveyed', 'livesAlone'] as const).filter((field) => record[field] !== undefined).map((field) => [field, record[field]]),
      ),
    }),
  },
];
