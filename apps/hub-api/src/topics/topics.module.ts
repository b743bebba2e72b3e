import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import { ConfigService } from '@nestjs/config';
import { CONSENT_CHANGES_TOPIC, DLQ_TOPIC } from '@accord/contracts';
import { ensureTopics } from '@accord/kafka';
import { hubApiKafka } from '../hub-kafka';

/** The hub's own topics exist before any partner publishes: the dead-letter queue and consent changes. */
@Injectable()
export class HubTopics implements OnApplicationBootstrap {
  private readonly logger = new Logger(HubTopics.name);

  constructor(@Inject(ConfigService) private readonly config: ConfigService) {}

  async onApplicationBootstrap(): Promise<void> {
    const kafka = hubApiKafka(this.config, 'accord-hub-api');
    const admin = kafka.admin();
    await admin.connect();
    try {
      const created = await ensureTopics(admin, [
        { topic: DLQ_TOPIC, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: String(30 * 24 * 3600 * 1000) }] },
        { topic: CONSENT_CHANGES_TOPIC, numPartitions: 6 },
      ]);
      if (created.length > 0) this.logger.log({ topics: created }, 'created hub topics');
    } finally {
      await admin.disconnect();
    }
  }
}

@Module({ providers: [HubTopics] })
export class TopicsModule {}
