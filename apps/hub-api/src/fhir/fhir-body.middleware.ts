import { json } from 'express';
import { routeBody } from '@accord/platform';
import { FHIR_JSON } from './operation-outcome';

/** A FHIR resource the hub accepts (a Consent) is small; anything bigger is a mistake. */
export const MAX_FHIR_BODY_BYTES = 64 * 1024;

/** Reads `application/fhir+json` bodies (Nest's parser reads `application/json` only) on the FHIR routes alone. */
export const fhirBody = routeBody(json({ type: [FHIR_JSON], limit: MAX_FHIR_BODY_BYTES }), `A FHIR resource may be at most ${MAX_FHIR_BODY_BYTES / 1024} KiB`);
