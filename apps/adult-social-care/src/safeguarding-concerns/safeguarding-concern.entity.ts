import { Column, Entity } from 'typeorm';
import { RecordEntity } from '@accord/domain-service';

/** A safeguarding concern raised about an adult at risk (`asc.safeguarding.concern-raised.v1`). */
@Entity({ name: 'safeguarding_concerns' })
export class SafeguardingConcernEntity extends RecordEntity {
  @Column({ type: 'text', name: 'concern_id' })
  concernId: string;

  @Column({ type: 'text', array: true, name: 'types_of_risk' })
  typesOfRisk: string[];

  @Column({ type: 'text', name: 'location_type' })
  locationType: string;

  @Column({ type: 'text', name: 'source_of_risk' })
  sourceOfRisk: string;

  @Column({ type: 'boolean', name: 's42_enquiry_started' })
  s42EnquiryStarted: boolean;

  @Column({ type: 'timestamptz', name: 'raised_at' })
  raisedAt: Date;
}
