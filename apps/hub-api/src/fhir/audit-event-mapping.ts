import type { AuditEvent, AuditEventAgent, AuditEventEntity, Coding } from '@medplum/fhirtypes';
import type { DecisionView } from '../audit';
import { NHS_NUMBER_SYSTEM, PARTICIPANT_SYSTEM } from './consent-mapping';

/*
 * Sharing decisions as FHIR R4 AuditEvents, after IHE Basic Audit Log Patterns (BALP):
 * every decision is a consent-based authorization decision (BALP AuthZconsent: DICOM
 * 110113 Security Alert, subtype AuthZ-Consent, outcome 0 when shared, 8 when not), and a
 * shared one is also a disclosure (DICOM 110106 Export) of the released fields to the
 * recipient. The person appears by the NHS number the auditor searched with; the log
 * itself holds only its keyed hash.
 */

const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const BALP_AUTHZ_CONSENT = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.AuthZconsent';
const AUTHZ_SUBTYPE: Coding = { system: 'https://profiles.ihe.net/ITI/BALP/CodeSystem/AuthZsubType', code: 'AuthZ-Consent', display: 'Authorization Decision using Roles and Consent' };
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
/** Accord's own code systems and identifiers. */
const PURPOSE_SYSTEM = 'urn:accord:purpose';
const EVENT_SYSTEM = 'urn:accord:event';
const AGREEMENT_SYSTEM = 'urn:accord:agreement';
const DECISION_SYSTEM = 'urn:accord:decision';

const BROKER = { display: 'Accord sharing broker' };

function participantAgent(role: Coding, participant: string | null): AuditEventAgent[] {
  return participant === null ? [] : [{ type: { coding: [role] }, who: { identifier: { system: PARTICIPANT_SYSTEM, value: participant } }, requestor: false }];
}

function agentsOf(decision: DecisionView): AuditEventAgent[] {
  return [
    { type: { coding: [{ system: DCM, code: '110150', display: 'Application' }] }, who: BROKER, requestor: true },
    ...participantAgent({ system: DCM, code: '110153', display: 'Source Role ID' }, decision.source),
    ...participantAgent({ system: DCM, code: '110152', display: 'Destination Role ID' }, decision.recipient),
  ];
}

function entitiesOf(decision: DecisionView, nhsNumber: string): AuditEventEntity[] {
  const entities: AuditEventEntity[] = [
    {
      what: { identifier: { system: NHS_NUMBER_SYSTEM, value: nhsNumber } },
      type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
      role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
    },
  ];
  if (decision.eventId !== null) {
    entities.push({
      what: { identifier: { system: EVENT_SYSTEM, value: decision.eventId } },
      type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
      ...(decision.eventType === null ? {} : { detail: [{ type: 'eventType', valueString: decision.eventType }] }),
    });
  }
  if (decision.agreementId !== null) {
    entities.push({
      what: { identifier: { system: AGREEMENT_SYSTEM, value: decision.agreementVersion === null ? decision.agreementId : `${decision.agreementId}@${decision.agreementVersion}` } },
      type: { system: ENTITY_TYPE, code: '4', display: 'Other' },
    });
  }
  return entities;
}

/** The AuditEvents of one decision: its authorization decision, and for a shared one its disclosure. */
export function auditEventsOf(decision: DecisionView, nhsNumber: string): AuditEvent[] {
  const shared = decision.outcome === 'shared';
  const purposeOfEvent = decision.purpose === null ? undefined : [{ coding: [{ system: PURPOSE_SYSTEM, code: decision.purpose }] }];
  const identifier = { system: DECISION_SYSTEM, value: decision.decisionId };
  const authorization: AuditEvent = {
    resourceType: 'AuditEvent',
    id: decision.decisionId,
    meta: { profile: [BALP_AUTHZ_CONSENT] },
    type: { system: DCM, code: '110113', display: 'Security Alert' },
    subtype: [AUTHZ_SUBTYPE],
    action: 'E',
    recorded: decision.decidedAt,
    outcome: shared ? '0' : '8',
    outcomeDesc: `${decision.outcome}: ${decision.reasons.join(', ')}`,
    ...(purposeOfEvent ? { purposeOfEvent } : {}),
    agent: agentsOf(decision),
    source: { observer: { ...BROKER, identifier }, type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }] },
    entity: entitiesOf(decision, nhsNumber),
  };
  if (!shared) return [authorization];
  const disclosure: AuditEvent = {
    ...authorization,
    id: `${decision.decisionId}-disclosure`,
    meta: undefined,
    type: { system: DCM, code: '110106', display: 'Export' },
    subtype: undefined,
    action: 'R',
    outcome: '0',
    outcomeDesc: `released to ${decision.recipient}: ${decision.fieldsReleased.join(', ')}`,
  };
  delete disclosure.meta;
  delete disclosure.subtype;
  return [authorization, disclosure];
}
