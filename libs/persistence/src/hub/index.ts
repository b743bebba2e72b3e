import { AgreementVersionEntity } from './agreement-version.entity';
import { ApiTokenEntity } from './api-token.entity';
import { ParticipantEntity } from './participant.entity';
import { Participants1764338400000 } from './migrations/1764338400000-participants';
import { GovernanceAndAudit1764338500000 } from './migrations/1764338500000-governance-and-audit';
import { AuditLog1764338600000 } from './migrations/1764338600000-audit-log';
import { DeadLetterRedrives1764338700000 } from './migrations/1764338700000-dead-letter-redrives';
import { DropRedundantSubjectIndex1764338800000 } from './migrations/1764338800000-drop-redundant-subject-index';
import { ParticipantIdentity1764338900000 } from './migrations/1764338900000-participant-identity';
import { DecisionsByParticipantSeq1764339100000 } from './migrations/1764339100000-decisions-by-participant-seq';
import { TokenLifecycle1764339200000 } from './migrations/1764339200000-token-lifecycle';
import { ConsentHead1764339300000 } from './migrations/1764339300000-consent-head';
import { DecisionsCheaperIndexes1764339400000 } from './migrations/1764339400000-decisions-cheaper-indexes';
import { AuditPartitionChains1764339500000 } from './migrations/1764339500000-audit-partition-chains';

export { AgreementVersionEntity, ApiTokenEntity, ParticipantEntity };

/** The hub's shared schema: control plane (participants, agreements, consent) and the audit log. */
export const HUB_SCHEMA = 'accord';
/** The tables services read through TypeORM entities; the others (decisions, consent statements, ...) only through store functions. */
export const HUB_ENTITIES = [ParticipantEntity, ApiTokenEntity, AgreementVersionEntity];
export const HUB_MIGRATIONS = [Participants1764338400000, GovernanceAndAudit1764338500000, AuditLog1764338600000, DeadLetterRedrives1764338700000, DropRedundantSubjectIndex1764338800000, ParticipantIdentity1764338900000, DecisionsByParticipantSeq1764339100000, TokenLifecycle1764339200000, ConsentHead1764339300000, DecisionsCheaperIndexes1764339400000, AuditPartitionChains1764339500000];
export * from './decision-log';
export * from './governance-state';
export * from './consent-head';
export * from './audit-store';
export * from './participants';
export * from './participant-certificates';
