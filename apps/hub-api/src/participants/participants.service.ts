import { Injectable, OnModuleDestroy } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { InjectRepository } from '@nestjs/typeorm';
import { Repository } from 'typeorm';
import { eventsTopic, inboxTopic, parseParticipantId } from '@accord/contracts';
import { provisionParticipant, SharedAdmin } from '@accord/kafka';
import { ParticipantEntity } from '@accord/persistence';
import { hubApiKafka } from '../hub-kafka';
import type { ParticipantView } from './dto/register-participant.dto';

@Injectable()
export class ParticipantsService implements OnModuleDestroy {
  private readonly admin: SharedAdmin;

  constructor(
    @InjectRepository(ParticipantEntity) private readonly participants: Repository<ParticipantEntity>,
    config: ConfigService,
  ) {
    this.admin = new SharedAdmin(hubApiKafka(config, 'accord-hub-api'));
  }

  /**
   * Registers (or renames) a participant: creates its events and inbox topics and grants
   * its identity (principal = participant id) access to exactly those (CONTRACT.md §1).
   */
  async register(id: string, displayName: string): Promise<ParticipantView> {
    const { org, system } = parseParticipantId(id);
    // Topics and ACLs first: a participant is only listed once it can publish and consume.
    await this.admin.use((admin) => provisionParticipant(admin, id));
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
