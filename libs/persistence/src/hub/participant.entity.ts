import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

/** A registered participant: one system of one organisation, which is its data controller. */
@Entity({ name: 'participants' })
export class ParticipantEntity {
  /** `<org>.<system>`, e.g. `southampton.adult-social-care`. */
  @PrimaryColumn({ type: 'text' })
  id: string;

  @Column({ type: 'text' })
  organisation: string;

  @Column({ type: 'text' })
  system: string;

  @Column({ type: 'text', name: 'display_name' })
  displayName: string;

  @CreateDateColumn({ type: 'timestamptz', name: 'registered_at' })
  registeredAt: Date;

  /** Set while the participant is suspended: it then holds no Kafka ACLs. */
  @Column({ type: 'timestamptz', name: 'suspended_at', nullable: true })
  suspendedAt: Date | null;

  /** `suspended` (an admin) or `certificate-revoked`; set exactly when suspendedAt is. */
  @Column({ type: 'text', name: 'suspension_reason', nullable: true })
  suspensionReason: string | null;
}
