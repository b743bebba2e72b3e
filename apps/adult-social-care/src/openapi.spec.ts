import { LOCAL_ID_MAX_LENGTH, UPRN_PATTERN } from '@accord/contracts';
import { InboxController } from '@accord/domain-service';
import { documentedAccess, domainRoleFor, openApiDocumentOf } from '@accord/testing';
import { AssessmentsController } from './assessments/assessments.controller';
import { ReviewsController } from './reviews/reviews.controller';
import { SafeguardingConcernsController } from './safeguarding-concerns/safeguarding-concerns.controller';
import { ServicesController } from './services/services.controller';

const CONTROLLERS = [AssessmentsController, ServicesController, SafeguardingConcernsController, ReviewsController, InboxController];

describe('adult-social-care OpenAPI', () => {
  it('documents every POST endpoint with its request schema, and the inbox', async () => {
    const document = await openApiDocumentOf(CONTROLLERS);
    for (const path of ['/v1/assessments', '/v1/services', '/v1/services/{id}/end', '/v1/safeguarding-concerns', '/v1/reviews']) {
      expect(document.paths[path]?.post?.requestBody).toBeDefined();
    }
    expect(document.paths['/v1/inbox']?.get).toBeDefined();
    const schemas = document.components?.schemas ?? {};
    expect(schemas.AssessmentRequest).toMatchObject({ required: expect.arrayContaining(['subject', 'assessmentType', 'completedAt']) });
    expect(schemas.StartServiceRequest).toMatchObject({ properties: { serviceType: { enum: expect.arrayContaining(['long-term-residential']) } } });
    expect(schemas.SubjectDocument).toMatchObject({ required: ['localId'] });
  });

  it('states the generated schema of each field: lengths, patterns, formats, and null allowed for optional fields', async () => {
    const schemas = (await openApiDocumentOf(CONTROLLERS)).components?.schemas ?? {};
    expect(schemas.SubjectDocument).toMatchObject({
      properties: {
        localId: { type: 'string', minLength: 1, maxLength: LOCAL_ID_MAX_LENGTH },
        uprn: { type: 'string', pattern: UPRN_PATTERN.source, nullable: true },
        dateOfBirth: { type: 'string', format: 'date', nullable: true },
        name: { nullable: true, allOf: [{ $ref: '#/components/schemas/PersonNameDocument' }] },
      },
    });
    expect(schemas.SafeguardingConcernRequest).toMatchObject({
      properties: { typesOfRisk: { type: 'array', minItems: 1, items: { type: 'string', enum: expect.arrayContaining(['neglect']) }, 'x-accord-special-category': true } },
    });
    expect(schemas.StartServiceRequest).toMatchObject({ properties: { providerCqcLocationId: { type: 'string', maxLength: 64, nullable: true } } });
  });

  it('says every operation needs a bearer token with its role (publisher writes, reader reads); Accord-Participant only narrows', async () => {
    const access = documentedAccess(await openApiDocumentOf(CONTROLLERS));
    expect(access.map((entry) => entry.operation)).toHaveLength(14);
    const contract = access.map(({ operation }) => ({ operation, bearer: true, role: domainRoleFor(operation.split(' ')[0]!), participantHeader: 'optional' }));
    expect(access).toEqual(contract);
  });
});
