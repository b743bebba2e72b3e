import { Module, type DynamicModule } from '@nestjs/common';
import { HubApiEnvironment } from '../environment';
import { certificateAuthorityProvider } from './certificate-authority.provider';
import { CertificatesController } from './certificates.controller';
import { CertificatesService } from './certificates.service';
import { ParticipantAccess } from './participant-access';
import { ParticipantsController } from './participants.controller';
import { ParticipantsService } from './participants.service';

/** Participants: registry, lifecycle (suspend, resume), Kafka identities (certificates) and connection kits. */
@Module({})
export class ParticipantsModule {
  static forRoot(environment: HubApiEnvironment): DynamicModule {
    return {
      module: ParticipantsModule,
      // The certificates routes first: `certificates` is a path segment, never a participant id (ids hold a dot).
      controllers: [CertificatesController, ParticipantsController],
      providers: [
        certificateAuthorityProvider(environment),
        ParticipantAccess,
        ParticipantsService,
        CertificatesService,
      ],
      exports: [ParticipantsService],
    };
  }
}
