import { Column, Entity } from 'typeorm';
import { numeric, RecordEntity } from '@accord/domain-service';

/** A completed NHS Health Check (`ph.health-check.completed.v1`). */
@Entity({ name: 'health_checks' })
export class HealthCheckEntity extends RecordEntity {
  @Column({ type: 'integer' })
  systolic: number;

  @Column({ type: 'integer' })
  diastolic: number;

  @Column({ type: 'numeric', name: 'cholesterol_ratio', nullable: true, transformer: numeric })
  cholesterolRatio: number | null;

  @Column({ type: 'numeric', transformer: numeric })
  bmi: number;

  @Column({ type: 'text', name: 'smoking_status' })
  smokingStatus: string;

  @Column({ type: 'numeric', name: 'qrisk_score', nullable: true, transformer: numeric })
  qriskScore: number | null;

  @Column({ type: 'timestamptz', name: 'completed_at' })
  completedAt: Date;
}
