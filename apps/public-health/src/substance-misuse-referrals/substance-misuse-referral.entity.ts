import { Column, Entity } from 'typeorm';
import { RecordEntity } from '@accord/domain-service';

/** A referral to drug and alcohol treatment (`ph.substance-misuse.referral.v1`). */
@Entity({ name: 'substance_misuse_referrals' })
export class SubstanceMisuseReferralEntity extends RecordEntity {
  @Column({ type: 'text', name: 'referral_source' })
  referralSource: string;

  @Column({ type: 'text', array: true, name: 'problem_substances' })
  problemSubstances: string[];

  @Column({ type: 'text', name: 'injecting_status' })
  injectingStatus: string;

  @Column({ type: 'timestamptz', name: 'referred_at' })
  referredAt: Date;

  @Column({ type: 'boolean', name: 'consent_to_ndtms' })
  consentToNdtms: boolean;
}
