import { Column, Entity } from 'typeorm';
import { RecordEntity } from '@accord/domain-service';

/** An administered vaccine dose (`ph.immunisation.administered.v1`). */
@Entity({ name: 'immunisations' })
export class ImmunisationEntity extends RecordEntity {
  @Column({ type: 'text', name: 'vaccine_code' })
  vaccineCode: string;

  @Column({ type: 'text', name: 'target_disease' })
  targetDisease: string;

  @Column({ type: 'integer', name: 'dose_number' })
  doseNumber: number;

  @Column({ type: 'timestamptz', name: 'administered_at' })
  administeredAt: Date;

  @Column({ type: 'text', name: 'lot_number', nullable: true })
  lotNumber: string | null;

  @Column({ type: 'text', nullable: true })
  site: string | null;

  @Column({ type: 'text', nullable: true })
  route: string | null;

  @Column({ type: 'text', nullable: true })
  performer: string | null;
}
