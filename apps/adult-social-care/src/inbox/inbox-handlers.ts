import { NhsHospitalDischargeNotifiedV1, RbHousingBenefitAssessedV1 } from '@accord/contracts';
import { inboxHandler, type InboxHandler } from '@accord/domain-service';

/** The housing benefit facts reused as evidence for the care charging financial assessment, whichever were released. */
const HOUSING_BENEFIT_EVIDENCE = ['claimReference', 'tenure', 'eligibleRent', 'weeklyAward', 'effectiveFrom'] as const;

/** docs/domain.md, "Shared records become work", adult social care's rows. */
export const ADULT_SOCIAL_CARE_INBOX: InboxHandler[] = [
  // A hospital discharge notification starts a discharge-to-assess referral when it carries the pathway and the date.
  inboxHandler({
    event: NhsHospitalDischargeNotifiedV1,
    needs: ['dischargePathway', 'expectedDischargeDate'],
    workItem: (record) => ({
      kind: 'discharge-to-assess-referral',
      summary: `Discharge to assess: pathway ${record.dischargePathway}, expected discharge ${record.expectedDischargeDate}`,
      details: {
        dischargePathway: record.dischargePathway,
        expectedDischargeDate: record.expectedDischargeDate,
        ...(record.ward ? { ward: record.ward } : {}),
      },
    }),
  }),
  inboxHandler({
    event: RbHousingBenefitAssessedV1,
    needs: [],
    workItem: (record) => ({
      kind: 'financial-assessment-evidence',
      summary: 'Financial assessment evidence for care charging: housing benefit award (ask once, not twice)',
      details: Object.fromEntries(HOUSING_BENEFIT_EVIDENCE.filter((field) => record[field] !== undefined).map((field) => [field, record[field]])),
    }),
  }),
];
