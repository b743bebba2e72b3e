import { InboxController } from '@accord/domain-service';
import { openApiDocumentOf } from '@accord/testing';
import { AssessmentsController } from './assessments/assessments.controller';
import { ReviewsController } from './reviews/reviews.controller';
import { SafeguardingConcernsController } from './safeguarding-concerns/safeguarding-concerns.controller';
import { ServicesController } from './services/services.controller';

describe('adult-social-care OpenAPI', () => {
  it('documents every POST endpoint with its request schema, and the inbox', async () => {
    const document = await openApiDocumentOf([AssessmentsController, ServicesController, SafeguardingConcernsController, ReviewsController, InboxController]);
    for (const path of ['/v1/assessments', '/v1/services', '/v1/services/{id}/end', '/v1/safeguarding-concerns', '/v1/reviews']) {
      expect(document.paths[path]?.post?.requestBody).toBeDefined();
    }
    expect(document.paths['/v1/inbox']?.get).toBeDefined();
    const schemas = document.components?.schemas ?? {};
    expect(schemas.AssessmentRequest).toMatchObject({ required: expect.arrayContaining(['subject', 'assessmentType', 'completedAt']) });
    expect(schemas.StartServiceRequest).toMatchObject({ properties: { serviceType: { enum: expect.arrayContaining(['long-term-residential']) } } });
    expect(schemas.SubjectDocument).toMatchObject({ required: ['localId'] });
  });
});
