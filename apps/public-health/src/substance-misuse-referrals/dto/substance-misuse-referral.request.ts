import { PhSubstanceMisuseReferralV1 } from '@accord/contracts';
import { documentEventRequest } from '@accord/domain-service';

/** `POST /v1/substance-misuse-referrals`: the person and the fields of `ph.substance-misuse.referral.v1`. */
export class SubstanceMisuseReferralRequest extends PhSubstanceMisuseReferralV1 {}
documentEventRequest(SubstanceMisuseReferralRequest, 'ph.substance-misuse.referral.v1');
