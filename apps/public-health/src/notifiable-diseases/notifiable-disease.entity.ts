import { Column, Entity } from 'typeorm';
import { RecordEntity } from '@accord/domain-service';

/** A notifiable disease notified to the proper officer (`ph.notifiable-disease.notified.v1`). */
@Entity({ name: 'notifiable_diseases' })
export class NotifiableDiseaseEntity extends RecordEntity {
  @Column({ type: 'text' })
  disease: string;

  @Column({ type: 'date', name: 'onset_date', nullable: true })
  onsetDate: string | null;

  @Column({ type: 'timestamptz', name: 'notified_at' })
  notifiedAt: Date;

  @Column({ type: 'text' })
  notifier: string;

  @Column({ type: 'text', nullable: true })
  occupation: string | null;

  @Column({ type: 'text', nullable: true })
  setting: string | null;
}
