import { Column, Entity } from 'typeorm';
import { numeric, RecordEntity } from '@accord/domain-service';

/** A care and support service, from its start (`asc.service.started.v1`) to its end (`asc.service.ended.v1`). */
@Entity({ name: 'services' })
export class ServiceEntity extends RecordEntity {
  @Column({ type: 'text', name: 'service_type' })
  serviceType: string;

  @Column({ type: 'text', name: 'delivery_mechanism' })
  deliveryMechanism: string;

  @Column({ type: 'text', name: 'provider_cqc_location_id', nullable: true })
  providerCqcLocationId: string | null;

  @Column({ type: 'numeric', name: 'planned_units_per_week', nullable: true, transformer: numeric })
  plannedUnitsPerWeek: number | null;

  @Column({ type: 'numeric', name: 'weekly_cost', nullable: true, transformer: numeric })
  weeklyCost: number | null;

  @Column({ type: 'date', name: 'start_date' })
  startDate: string;

  @Column({ type: 'date', name: 'end_date', nullable: true })
  endDate: string | null;

  @Column({ type: 'text', name: 'end_reason', nullable: true })
  endReason: string | null;

  /** `ce_id` of the `asc.service.ended.v1` event, once ended. */
  @Column({ type: 'uuid', name: 'ended_event_id', nullable: true })
  endedEventId: string | null;
}
