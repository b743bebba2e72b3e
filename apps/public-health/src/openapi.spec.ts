import { InboxController } from '@accord/domain-service';
import { documentedAccess, domainRoleFor, openApiDocumentOf } from '@accord/testing';
import { HealthChecksController } from './health-checks/health-checks.controller';
import { ImmunisationsController } from './immunisations/immunisations.controller';
import { NotifiableDiseasesController } from './notifiable-diseases/notifiable-diseases.controller';
import { SubstanceMisuseReferralsController } from './substance-misuse-referrals/substance-misuse-referrals.controller';

const CONTROLLERS = [ImmunisationsController, HealthChecksController, NotifiableDiseasesController, SubstanceMisuseReferralsController, InboxController];

describe('public-health OpenAPI', () => {
  it('documents every POST endpoint with its request schema, and the inbox', async () => {
    const document = await openApiDocumentOf(CONTROLLERS);
    for (const path of ['/v1/immunisations', '/v1/health-checks', '/v1/notifiable-diseases', '/v1/substance-misuse-referrals']) {
      expect(document.paths[path]?.post?.requestBody).toBeDefined();
    }
    expect(document.paths['/v1/inbox']?.get).toBeDefined();
    expect(document.components?.schemas?.HealthCheckRequest).toMatchObject({
      properties: { smokingStatus: { enum: ['never', 'ex', 'current'] }, systolic: { type: 'integer', minimum: 40, maximum: 300 } },
    });
  });

  it('says every operation needs a bearer token with its role (publisher writes, reader reads); Accord-Participant only narrows', async () => {
    const access = documentedAccess(await openApiDocumentOf(CONTROLLERS));
    expect(access.map((entry) => entry.operation)).toHaveLength(13);
    const contract = access.map(({ operation }) => ({ operation, bearer: true, role: domainRoleFor(operation.split(' ')[0]!), participantHeader: 'optional' }));
    expect(access).toEqual(contract);
  });
});
