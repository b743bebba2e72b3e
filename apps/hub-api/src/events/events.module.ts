import { Module, type MiddlewareConsumer, type NestModule } from '@nestjs/common';
import { cloudEventsBody } from './events-body.middleware';
import { EventsController } from './events.controller';
import { EventsService } from './events.service';

/** Publishing over HTTPS for partners without a Kafka client: CloudEvents in, the events topic through the outbox. */
@Module({
  controllers: [EventsController],
  providers: [EventsService],
})
export class EventsModule implements NestModule {
  configure(consumer: MiddlewareConsumer): void {
    consumer.apply(cloudEventsBody).forRoutes(EventsController);
  }
}
