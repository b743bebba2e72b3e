import { Module } from '@nestjs/common';
import { DeadLetterReader } from './dead-letter-reader';
import { DeadLettersService } from './dead-letters.service';
import { OpsAdmin } from './ops-kafka';
import { OpsController } from './ops.controller';
import { OpsMetrics } from './ops.metrics';
import { TopicHealthService } from './topic-health.service';

/** Topic health, consumer lag and the dead-letter queue for ops teams (docs/contract.md, "Topic health"). */
@Module({
  controllers: [OpsController],
  providers: [OpsAdmin, OpsMetrics, TopicHealthService, DeadLetterReader, DeadLettersService],
})
export class OpsModule {}
