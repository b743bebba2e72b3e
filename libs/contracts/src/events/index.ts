export * from './definition';
export * from './fields';
export * from './subject.dto';
export * from './adult-social-care.events';
export * from './public-health.events';
export * from './revenues-benefits.events';
export * from './nhs.events';
export * from './validate-event-data';
