/** What the domain services share: tenancy by data controller, the record + outbox writer and relay, and the inbox that turns shared records into work. */
export * from './environment';
export * from './options';
export * from './tenancy/tenancy';
export * from './outbox/outbox-publisher';
export * from './records/record.entity';
export * from './records/page';
export * from './records/record-writer';
export * from './records/record.service';
export * from './inbox/inbox-handler';
export * from './inbox/inbox.migration';
export * from './inbox/inbox.server';
export * from './inbox/inbox.service';
export * from './inbox/inbox.controller';
export * from './inbox/work-item.entity';
export * from './swagger';
export * from './domain-service.module';
