import { Injectable, type NestMiddleware } from '@nestjs/common';
import { json } from 'express';
import type { NextFunction, Request, Response } from 'express';
import { parseBody } from '@accord/platform';
import { FHIR_JSON } from './operation-outcome';

/** A FHIR resource the hub accepts (a Consent) is small; anything bigger is a mistake. */
export const MAX_FHIR_BODY_BYTES = 64 * 1024;
const TOO_LARGE = `A FHIR resource may be at most ${MAX_FHIR_BODY_BYTES / 1024} KiB`;

/** Reads `application/fhir+json` bodies (Nest's parser reads `application/json` only) on the FHIR routes alone. */
@Injectable()
export class FhirBodyMiddleware implements NestMiddleware {
  private readonly parse = json({ type: [FHIR_JSON], limit: MAX_FHIR_BODY_BYTES });

  async use(request: Request, response: Response, next: NextFunction): Promise<void> {
    await parseBody(this.parse, request, response, TOO_LARGE);
    next();
  }
}
