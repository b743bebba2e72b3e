import { recordColumnDrift } from '@accord/domain-service';
import { ENTITIES } from './app.module';
import { AssessmentEntity } from './assessments/assessment.entity';
import { ReviewEntity } from './reviews/review.entity';
import { SafeguardingConcernEntity } from './safeguarding-concerns/safeguarding-concern.entity';
import { ServiceEntity } from './services/service.entity';

describe('adult-social-care record tables', () => {
  it('have a column for every field of the events they store, of a type and nullability that holds it, and no other', () => {
    expect(
      recordColumnDrift(ENTITIES, [
        { entity: AssessmentEntity, eventTypes: ['asc.assessment.completed.v1'] },
        { entity: ServiceEntity, eventTypes: ['asc.service.started.v1', 'asc.service.ended.v1'], own: ['endedEventId'] },
        { entity: SafeguardingConcernEntity, eventTypes: ['asc.safeguarding.concern-raised.v1'] },
        { entity: ReviewEntity, eventTypes: ['asc.review.completed.v1'] },
      ]),
    ).toEqual([]);
  });
});
