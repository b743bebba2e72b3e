/** What the FHIR Consent endpoint uses of the consent registry: recording a statement with the semantics of POST /v1/consents. */
export { ConsentsModule } from './consents.module';
export { ConsentsService } from './consents.service';
export { RecordConsentRequest } from './dto/record-consent.dto';
