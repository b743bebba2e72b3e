import { Module } from '@nestjs/common';
import { ConsentOutbox } from './consent-outbox';
import { ConsentsController } from './consents.controller';
import { ConsentsService } from './consents.service';

/** The consent registry: statements (keyed hashes only), consent-change records and notices to recipients. */
@Module({
  controllers: [ConsentsController],
  providers: [ConsentsService, ConsentOutbox],
})
export class ConsentsModule {}
