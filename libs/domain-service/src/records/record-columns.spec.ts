import { Column, Entity } from 'typeorm';
import { recordColumnDrift } from './record-columns';
import { numeric, RecordEntity } from './record.entity';

/*
 * The check against record entities declared here, one faithful to the events it stores
 * and others drifted from them in one way each.
 */

const STARTED = 'asc.service.started.v1';
const ENDED = 'asc.service.ended.v1';

@Entity({ name: 'faithful_services' })
class FaithfulService extends RecordEntity {
  @Column({ type: 'text', name: 'service_type' }) serviceType: string;
  @Column({ type: 'text', name: 'delivery_mechanism' }) deliveryMechanism: string;
  @Column({ type: 'text', nullable: true }) providerCqcLocationId: string | null;
  @Column({ type: 'numeric', nullable: true, transformer: numeric }) plannedUnitsPerWeek: number | null;
  @Column({ type: 'numeric', nullable: true, transformer: numeric }) weeklyCost: number | null;
  @Column({ type: 'date' }) startDate: string;
  @Column({ type: 'date', nullable: true }) endDate: string | null;
  @Column({ type: 'text', nullable: true }) endReason: string | null;
  @Column({ type: 'uuid', nullable: true }) endedEventId: string | null;
}

@Entity({ name: 'drifted_services' })
class DriftedService extends RecordEntity {
  @Column({ type: 'integer' }) serviceType: number;
  @Column({ type: 'text', name: 'delivery_mechanism' }) deliveryMechanism: string;
  @Column({ type: 'text' }) providerCqcLocationId: string;
  @Column({ type: 'numeric', nullable: true }) plannedUnitsPerWeek: number | null;
  @Column({ type: 'numeric', nullable: true, transformer: numeric }) weeklyCosts: number | null;
  @Column({ type: 'date', nullable: true }) startDate: string | null;
}

@Entity({ name: 'safeguarding_arrays' })
class ScalarRisks extends RecordEntity {
  @Column({ type: 'text' }) concernId: string;
  @Column({ type: 'text' }) typesOfRisk: string;
  @Column({ type: 'text' }) locationType: string;
  @Column({ type: 'text' }) sourceOfRisk: string;
  @Column({ type: 'boolean' }) s42EnquiryStarted: boolean;
  @Column({ type: 'timestamptz' }) raisedAt: Date;
}

describe('recordColumnDrift', () => {
  it('finds nothing when every field of the stored events has a column that holds it, and the rest are declared the record’s own', () => {
    expect(recordColumnDrift([FaithfulService], [{ entity: FaithfulService, eventTypes: [STARTED, ENDED], own: ['endedEventId'] }])).toEqual([]);
  });

  it('names each column that drifted: type, nullability, transformer, a missing field, an undeclared column', () => {
    expect(recordColumnDrift([DriftedService], [{ entity: DriftedService, eventTypes: [STARTED] }])).toEqual([
      'DriftedService.serviceType: a column of type integer cannot hold a field of kind enum',
      'DriftedService.providerCqcLocationId: a row may be written without the field, so the column must be nullable',
      'DriftedService.plannedUnitsPerWeek: a numeric column needs the numeric transformer, or the API returns the number as a string',
      'DriftedService.weeklyCost: a field of the stored events without a column',
      'DriftedService.startDate: the event that writes the row requires the field, so the column is NOT NULL',
      "DriftedService.weeklyCosts: a column that is no field of the stored events and not declared the record's own",
    ]);
  });

  it('asks for an array column for a list of values', () => {
    expect(recordColumnDrift([ScalarRisks], [{ entity: ScalarRisks, eventTypes: ['asc.safeguarding.concern-raised.v1'] }])).toEqual([
      'ScalarRisks.typesOfRisk: a column of type text cannot hold a field of kind enum[]',
    ]);
  });

  it('makes fields only a later event brings nullable: the row is written before them', () => {
    expect(recordColumnDrift([FaithfulService], [{ entity: FaithfulService, eventTypes: [ENDED, STARTED], own: ['endedEventId'] }])).toEqual([
      'FaithfulService.endDate: the event that writes the row requires the field, so the column is NOT NULL',
      'FaithfulService.startDate: a row may be written without the field, so the column must be nullable',
    ]);
  });

  it('names a record entity of the app whose stored events are not named, an unknown type, and a wrong own column', () => {
    expect(recordColumnDrift([FaithfulService, DriftedService], [{ entity: FaithfulService, eventTypes: [STARTED, 'asc.service.startd.v1'], own: ['endedEventId', 'startDate', 'closedBy'] }])).toEqual([
      'DriftedService: a record entity whose stored event types are not named',
      'FaithfulService: asc.service.startd.v1 is not an event type',
      'FaithfulService.endDate: a column that is no field of the stored events and not declared the record\'s own',
      'FaithfulService.endReason: a column that is no field of the stored events and not declared the record\'s own',
      'FaithfulService.startDate: declared the record\'s own but is a field of the stored events',
      'FaithfulService.closedBy: declared the record\'s own but has no column',
    ]);
  });
});
