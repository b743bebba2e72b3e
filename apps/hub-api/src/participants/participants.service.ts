import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { eventsTopic, inboxTopic, parseParticipantId } from '@accord/contracts';
import { brokersFrom, createKafka, ensureTopics, SharedAdmin } from '@accord/kafka';
import { ParticipantEntity } from '@accord/persistence';
import type { ParticipantView } from './dto/register-participant.dto';

@Injectable()
export class ParticipantsService implements OnModuleDestroy {
  private readonly admin: SharedAdmin;

  constructor(
    @InjectRepository(ParticipantEntity) private readonly participants: Repository<ParticipantEntity>,
    config: ConfigService,
  ) {
    this.admin = new SharedAdmin(createKafka({ clientId: 'accord-hub-api', brokers: brokersFrom(config.getOrThrow('KAFKA_BROKERS')) }));
  }

  /** Registers (or renames) a participant and creates its source and inbox topics. */
  async register(id: string, displayName: string): Promise<ParticipantView> {
    const { org, system } = parseParticipantId(id);
    // Topics first: a participant is only listed once partners can publish and consume.
    await this.admin.use((admin) =>
      ensureTopics(admin, [
        { topic: eventsTopic(id), numPartitions: 6 },
        { topic: inboxTopic(id), numPartitions: 6 },
      ]),
    );
    await this.participants.upsert({ id, organisation: org, system, displayName }, ['id']);
    return this.view(await this.participants.findOneByOrFail({ id }));
  }

  async list(): Promise<ParticipantView[]> {
    const rows = await this.participants.find({ order: { id: 'ASC' } });
    return rows.map((row) => this.view(row));
  }

  async exists(id: string): Promise<boolean> {
    return this.participants.existsBy({ id });
  }

  onModuleDestroy(): Promise<void> {
    return this.admin.close();
  }

  private view(row: ParticipantEntity): ParticipantView {
    return {
      id: row.id,
      organisation: row.organisation,
      system: row.system,
      displayName: row.displayName,
      registeredAt: row.registeredAt,
      eventsTopic: eventsTopic(row.id),
      inboxTopic: inboxTopic(row.id),
    };
  }
}
