import type { Problem } from '@accord/platform';
import { fhirIssues } from './fhir-definitions';

/*
 * A FHIR R4 Consent as an Accord consent statement (docs/contract.md, "Consent"), for NHS
 * systems that record consent in FHIR: the patient by NHS number, `provision.type` permit
 * (a grant) or deny (an objection), the purpose, the recipient (the actor) and the
 * agreement (a policy). Whatever would change what the statement means and has no place in
 * Accord's model (periods, data, classes, nested provisions, modifier extensions) is
 * refused, each named; descriptive elements (text, category, performer, source…) are
 * accepted and not kept.
 */

export const NHS_NUMBER_SYSTEM = 'https://fhir.nhs.uk/Id/nhs-number';
/** The identifier system of Accord participants (`provision.actor.reference.identifier`). */
export const PARTICIPANT_SYSTEM = 'urn:accord:participant';
/** `policy.uri` naming an Accord agreement: `urn:accord:agreement:<id>`. */
export const AGREEMENT_POLICY_PREFIX = 'urn:accord:agreement:';

/** Where each field of the POST /v1/consents request comes from in the Consent (for its problems). */
export const CONSENT_REQUEST_PATHS: Readonly<Record<string, string>> = {
  'subject.nhsNumber': 'Consent.patient.identifier.value',
  subject: 'Consent.patient.identifier',
  kind: 'Consent.provision.type',
  'scope.purpose': 'Consent.provision.purpose',
  'scope.recipient': 'Consent.provision.actor',
  'scope.agreementId': 'Consent.policy',
  scope: 'Consent.provision',
  effectiveFrom: 'Consent.dateTime',
};

/** A problem of the mapped request, named as the Consent's element it came from. */
export function consentPath(requestPath: string): string {
  return CONSENT_REQUEST_PATHS[requestPath] ?? 'Consent';
}

const UNSUPPORTED_PROVISION = ['provision', 'period', 'data', 'dataPeriod', 'class', 'code', 'securityLabel', 'action'] as const;

type Json = Record<string, unknown>;
const isObject = (value: unknown): value is Json => typeof value === 'object' && value !== null && !Array.isArray(value);
const list = (value: unknown): unknown[] => (Array.isArray(value) ? value : []);

/** The POST /v1/consents request a Consent stands for, or every problem with it. */
export function consentRequestFrom(resource: unknown): { request: Json; problems: Problem[] } {
  const problems: Problem[] = [];
  if (!isObject(resource) || resource.resourceType !== 'Consent') {
    return { request: {}, problems: [{ path: 'resourceType', problem: 'must be Consent' }] };
  }
  for (const issue of fhirIssues(resource)) {
    problems.push({ path: issue.expression?.[0] ?? 'Consent', problem: issue.details?.text ?? issue.diagnostics ?? 'does not conform to FHIR R4' });
  }
  if (resource.status !== 'active') problems.push({ path: 'Consent.status', problem: 'must be active: only a consent in force is recorded' });
  if (resource.modifierExtension !== undefined) problems.push({ path: 'Consent.modifierExtension', problem: 'is not supported: it would change what the consent means' });

  const request: Json = {};
  const identifier = isObject(resource.patient) && isObject(resource.patient.identifier) ? resource.patient.identifier : undefined;
  if (identifier?.system === NHS_NUMBER_SYSTEM && typeof identifier.value === 'string') request.subject = { nhsNumber: identifier.value };
  else problems.push({ path: 'Consent.patient', problem: `must identify the patient by NHS number: identifier with system ${NHS_NUMBER_SYSTEM}` });

  if (typeof resource.dateTime === 'string') request.effectiveFrom = resource.dateTime;

  const provision = isObject(resource.provision) ? resource.provision : undefined;
  if (!provision) {
    problems.push({ path: 'Consent.provision', problem: 'is missing: provision.type permit or deny says what the patient decided' });
    return { request, problems };
  }
  if (provision.type === 'permit') request.kind = 'grant';
  else if (provision.type === 'deny') request.kind = 'object';
  else problems.push({ path: 'Consent.provision.type', problem: 'must be permit (a grant) or deny (an objection)' });
  for (const element of UNSUPPORTED_PROVISION) {
    if (provision[element] !== undefined) problems.push({ path: `Consent.provision.${element}`, problem: 'is not supported: the statement applies to the purpose, recipient and agreement named' });
  }
  if (provision.modifierExtension !== undefined) problems.push({ path: 'Consent.provision.modifierExtension', problem: 'is not supported: it would change what the consent means' });

  const scope: Json = {};
  const purposes = list(provision.purpose);
  if (purposes.length > 1) problems.push({ path: 'Consent.provision.purpose', problem: 'must name at most one purpose' });
  else if (purposes.length === 1) {
    const code = isObject(purposes[0]) ? purposes[0].code : undefined;
    if (typeof code === 'string') scope.purpose = code;
    else problems.push({ path: 'Consent.provision.purpose', problem: "must carry the agreement purpose's code" });
  }
  const actors = list(provision.actor);
  if (actors.length > 1) problems.push({ path: 'Consent.provision.actor', problem: 'must name at most one recipient' });
  else if (actors.length === 1) {
    const actor = actors[0];
    const who = isObject(actor) && isObject(actor.reference) && isObject(actor.reference.identifier) ? actor.reference.identifier : undefined;
    if (who?.system === PARTICIPANT_SYSTEM && typeof who.value === 'string') scope.recipient = who.value;
    else problems.push({ path: 'Consent.provision.actor', problem: `must name the recipient by reference.identifier with system ${PARTICIPANT_SYSTEM}` });
  }
  const agreements = list(resource.policy).filter((policy) => isObject(policy) && typeof policy.uri === 'string' && policy.uri.startsWith(AGREEMENT_POLICY_PREFIX));
  if (agreements.length > 1) problems.push({ path: 'Consent.policy', problem: 'must name at most one agreement' });
  else if (agreements.length === 1) scope.agreementId = ((agreements[0] as Json).uri as string).slice(AGREEMENT_POLICY_PREFIX.length);
  if (Object.keys(scope).length > 0) request.scope = scope;
  return { request, problems };
}
