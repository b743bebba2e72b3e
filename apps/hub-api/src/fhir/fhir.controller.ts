import { Body, Controller, Get, HttpCode, HttpStatus, Post, Query, Req, Res, UseFilters } from '@nestjs/common';
import { ApiBearerAuth, ApiBody, ApiConsumes, ApiOperation, ApiProduces, ApiQuery, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import type { Bundle, OperationOutcome } from '@medplum/fhirtypes';
import { isValidNhsNumber } from '@accord/contracts';
import { AccordError, InvalidRequest, validationPipe, type Problem } from '@accord/platform';
import { AuditService, auditScopeOf, DecisionPageQuery } from '../audit';
import { CurrentCaller, RequireRoles, type Caller } from '../auth';
import { ConsentsService, RecordConsentRequest } from '../consents';
import { auditEventsOf } from './audit-event-mapping';
import { consentPath, consentRequestFrom, NHS_NUMBER_SYSTEM } from './consent-mapping';
import { FHIR_JSON, FhirExceptionFilter } from './operation-outcome';

const SEARCH_PARAMETERS = new Set(['patient.identifier', '_count', '_cursor']);
/** Where each field of the decision search comes from in the FHIR search (for its problems). */
const SEARCH_PATHS: Record<string, string> = { nhsNumber: 'patient.identifier', limit: '_count', cursor: '_cursor' };

/** Runs the hub's own validation of a request DTO, its problems renamed as the FHIR request names them. */
async function validated<T>(metatype: new () => T, value: object, rename: (path: string) => string): Promise<T> {
  try {
    return (await validationPipe().transform(value, { type: 'body', metatype })) as T;
  } catch (error) {
    throw renamed(error, rename);
  }
}

function renamed(error: unknown, rename: (path: string) => string): unknown {
  if (!(error instanceof AccordError) || !error.problems) return error;
  const renamedError = new AccordError(error.code, error.message, error.status, error.problems.map((problem) => ({ ...problem, path: rename(problem.path) })));
  renamedError.headers = error.headers;
  return renamedError;
}

/**
 * FHIR R4 for NHS partners (docs/contract.md, "FHIR R4"): the sharing log as AuditEvents
 * (auditor, scoped like the auditor API) and consent recorded from a Consent (consent
 * officer, the semantics of POST /v1/consents). Every error is an OperationOutcome.
 */
@ApiTags('fhir')
@ApiBearerAuth()
@UseFilters(new FhirExceptionFilter())
@Controller('fhir')
export class FhirController {
  constructor(
    private readonly audit: AuditService,
    private readonly consents: ConsentsService,
  ) {}

  @Get('AuditEvent')
  @RequireRoles('auditor')
  @ApiOperation({
    summary: "A patient's sharing decisions as FHIR R4 AuditEvents (IHE BALP), in a searchset Bundle",
    description:
      'Each decision is a consent-based authorization decision (BALP AuthZconsent); a shared one is also a disclosure (DICOM 110106 Export). ' +
      'Paged with _count (1–1000, default 100) and the next link. A token bound to a participant sees the decisions where it is source or recipient.',
  })
  @ApiQuery({ name: 'patient.identifier', example: `${NHS_NUMBER_SYSTEM}|9434765919` })
  @ApiQuery({ name: '_count', required: false })
  @ApiQuery({ name: '_cursor', required: false })
  @ApiProduces(FHIR_JSON)
  async auditEvents(
    @Query() query: Record<string, unknown>,
    @Req() request: Request,
    @CurrentCaller() caller: Caller,
    @Res({ passthrough: true }) response: Response,
  ): Promise<Bundle> {
    const problems: Problem[] = Object.keys(query)
      .filter((name) => !SEARCH_PARAMETERS.has(name))
      .map((name, index) => ({ path: /^[A-Za-z0-9._:-]{1,60}$/.test(name) ? name : `<parameter ${index}>`, problem: 'is not a search parameter this server supports' }));
    const identifier = query['patient.identifier'];
    const [system, nhsNumber] = typeof identifier === 'string' ? identifier.split('|', 2) : [];
    if (system !== NHS_NUMBER_SYSTEM || !isValidNhsNumber(nhsNumber)) {
      problems.push({ path: 'patient.identifier', problem: `must be ${NHS_NUMBER_SYSTEM}|<a valid NHS number>` });
    }
    if (problems.length > 0) throw new InvalidRequest(problems);
    const search = await validated(
      DecisionPageQuery,
      { nhsNumber, ...(query._count === undefined ? {} : { limit: query._count }), ...(query._cursor === undefined ? {} : { cursor: query._cursor }) },
      (path) => SEARCH_PATHS[path] ?? path,
    );
    const page = await this.audit.page(search, auditScopeOf(caller));

    const base = `${request.protocol}://${request.get('host')}/fhir`;
    const searchUrl = (cursor?: string) =>
      `${base}/AuditEvent?patient.identifier=${encodeURIComponent(`${NHS_NUMBER_SYSTEM}|${nhsNumber}`)}&_count=${search.limit ?? 100}${cursor ? `&_cursor=${cursor}` : ''}`;
    response.type(FHIR_JSON);
    return {
      resourceType: 'Bundle',
      type: 'searchset',
      link: [{ relation: 'self', url: searchUrl(search.cursor) }, ...(page.nextCursor ? [{ relation: 'next', url: searchUrl(page.nextCursor) }] : [])],
      entry: page.items.flatMap((decision) =>
        auditEventsOf(decision, nhsNumber!).map((resource) => ({ fullUrl: `${base}/AuditEvent/${resource.id}`, resource, search: { mode: 'match' as const } })),
      ),
    };
  }

  @Post('Consent')
  @RequireRoles('consent-officer')
  @HttpCode(HttpStatus.CREATED)
  @ApiOperation({
    summary: 'Record a FHIR R4 Consent as a consent statement, with exactly the semantics of POST /v1/consents',
    description:
      `The patient by NHS number (identifier system ${NHS_NUMBER_SYSTEM}); provision.type permit (a grant) or deny (an objection); ` +
      'optionally provision.purpose (the purpose code), provision.actor (the recipient, reference.identifier system urn:accord:participant) and ' +
      'a policy uri urn:accord:agreement:<id>. Anything that cannot be mapped is listed in an OperationOutcome and nothing is stored.',
  })
  @ApiConsumes(FHIR_JSON)
  @ApiBody({ schema: { type: 'object', description: 'A FHIR R4 Consent' } })
  @ApiProduces(FHIR_JSON)
  async consent(@Body() body: unknown, @Res({ passthrough: true }) response: Response): Promise<OperationOutcome> {
    const { request, problems } = consentRequestFrom(body);
    if (problems.length > 0) throw new InvalidRequest(problems, 'The Consent cannot be recorded: every problem is listed');
    const statement = await validated(RecordConsentRequest, request, consentPath);
    const recorded = await this.consents.record(statement).catch((error: unknown) => {
      throw renamed(error, consentPath);
    });
    response.type(FHIR_JSON).location(`/fhir/Consent/${recorded.id}`);
    return {
      resourceType: 'OperationOutcome',
      issue: [{ severity: 'information', code: 'informational', diagnostics: `Recorded as consent statement ${recorded.id} (${recorded.kind})` }],
    };
  }
}
