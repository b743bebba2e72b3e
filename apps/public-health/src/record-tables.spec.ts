import { recordColumnDrift } from '@accord/domain-service';
import { ENTITIES } from './app.module';
import { HealthCheckEntity } from './health-checks/health-check.entity';
import { ImmunisationEntity } from './immunisations/immunisation.entity';
import { NotifiableDiseaseEntity } from './notifiable-diseases/notifiable-disease.entity';
import { SubstanceMisuseReferralEntity } from './substance-misuse-referrals/substance-misuse-referral.entity';

describe('public-health record tables', () => {
  it('have a column for every field of the events they store, of a type and nullability that holds it, and no other', () => {
    expect(
      recordColumnDrift(ENTITIES, [
        { entity: ImmunisationEntity, eventTypes: ['ph.immunisation.administered.v1'] },
        { entity: HealthCheckEntity, eventTypes: ['ph.health-check.completed.v1'] },
        { entity: NotifiableDiseaseEntity, eventTypes: ['ph.notifiable-disease.notified.v1'] },
        { entity: SubstanceMisuseReferralEntity, eventTypes: ['ph.substance-misuse.referral.v1'] },
      ]),
    ).toEqual([]);
  });
});
