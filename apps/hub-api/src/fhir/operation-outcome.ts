import { Catch } from '@nestjs/common';
import type { Response } from 'express';
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { AccordExceptionFilter, type ErrorBody } from '@accord/platform';

export const FHIR_JSON = 'application/fhir+json';

/** The FHIR issue type for an HTTP status. */
function issueType(status: number): OperationOutcomeIssue['code'] {
  const types: Record<number, OperationOutcomeIssue['code']> = {
    400: 'invalid',
    401: 'login',
    403: 'forbidden',
    404: 'not-found',
    409: 'conflict',
    413: 'too-costly',
    422: 'processing',
    429: 'throttled',
  };
  return types[status] ?? (status >= 500 ? 'exception' : 'processing');
}

/** An Accord error as a FHIR OperationOutcome: one issue per problem, its path as the expression. */
export function operationOutcome(status: number, body: ErrorBody): OperationOutcome {
  const code = issueType(status);
  const issues: OperationOutcomeIssue[] = (body.problems ?? []).map((problem) => ({
    severity: 'error',
    code,
    diagnostics: problem.problem,
    ...(problem.path ? { expression: [problem.path] } : {}),
  }));
  return {
    resourceType: 'OperationOutcome',
    issue: issues.length > 0 ? issues : [{ severity: 'error', code, details: { text: body.code }, diagnostics: body.message }],
  };
}

/** The FHIR routes answer every error, authentication's included, as an OperationOutcome in `application/fhir+json`. */
@Catch()
export class FhirExceptionFilter extends AccordExceptionFilter {
  protected override respond(response: Response, status: number, body: ErrorBody): void {
    response.status(status).type(FHIR_JSON).send(JSON.stringify(operationOutcome(status, body)));
  }
}
