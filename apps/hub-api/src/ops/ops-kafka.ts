import { Inject, Injectable, Logger, type OnModuleDestroy } from '@nestjs/common';
import type { Kafka } from 'kafkajs';
import { HUB_API_GROUP_PREFIX, SharedAdmin } from '@accord/kafka';
import { HUB_KAFKA_FAIL_FAST } from '../hub-kafka';

/** Consumer groups the hub itself runs to read the DLQ: not shown to ops. */
export const DLQ_READER_GROUP_PREFIX = `${HUB_API_GROUP_PREFIX}-dlq-reader-`;

/** The ops module's admin connection (see SharedAdmin), closed with the module. */
@Injectable()
export class OpsAdmin extends SharedAdmin implements OnModuleDestroy {
  constructor(@Inject(HUB_KAFKA_FAIL_FAST) kafka: Kafka) {
    const logger = new Logger(OpsAdmin.name);
    super(kafka, (error) => logger.debug({ err: error }, 'admin disconnect failed'));
  }

  onModuleDestroy(): Promise<void> {
    return this.close();
  }
}

/** Runs `work` over `items`, at most `limit` at a time. */
export async function forEachLimited<T>(items: readonly T[], limit: number, work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const runners = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) await work(items[next++]!);
  });
  await Promise.all(runners);
}
