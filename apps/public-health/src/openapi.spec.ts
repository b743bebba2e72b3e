import { InboxController } from '@accord/domain-service';
import { openApiDocumentOf } from '@accord/testing';
import { HealthChecksController } from './health-checks/health-checks.controller';
import { ImmunisationsController } from './immunisations/immunisations.controller';
import { NotifiableDiseasesController } from './notifiable-diseases/notifiable-diseases.controller';
import { SubstanceMisuseReferralsController } from './substance-misuse-referrals/substance-misuse-referrals.controller';

describe('public-health OpenAPI', () => {
  it('documents every POST endpoint with its request schema, and the inbox', async () => {
    const document = await openApiDocumentOf([ImmunisationsController, HealthChecksController, NotifiableDiseasesController, SubstanceMisuseReferralsController, InboxController]);
    for (const path of ['/v1/immunisations', '/v1/health-checks', '/v1/notifiable-diseases', '/v1/substance-misuse-referrals']) {
      expect(document.paths[path]?.post?.requestBody).toBeDefined();
    }
    expect(document.paths['/v1/inbox']?.get).toBeDefined();
    expect(document.components?.schemas?.HealthCheckRequest).toMatchObject({
      properties: { smokingStatus: { enum: ['never', 'ex', 'current'] }, systolic: { type: 'integer', minimum: 40, maximum: 300 } },
    });
  });
});
