import { Inject, Injectable, Logger, Module, type OnApplicationBootstrap } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { CONSENT_CHANGES_TOPIC, DLQ_TOPIC } from '@accord/contracts';
import { ensureTopics } from '@accord/kafka';
import { HUB_KAFKA } from '../hub-kafka';

/** The hub's own topics exist before any partner publishes: the dead-letter queue and consent changes. */
@Injectable()
export class HubTopics implements OnApplicationBootstrap {
  private readonly logger = new Logger(HubTopics.name);

  constructor(@Inject(HUB_KAFKA) private readonly kafka: Kafka) {}

  async onApplicationBootstrap(): Promise<void> {
    const admin = this.kafka.admin();
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
