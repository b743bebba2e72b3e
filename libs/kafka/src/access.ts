import {
  AclOperationTypes as Operation,
  AclPermissionTypes,
  AclResourceTypes as Resource,
  ResourcePatternTypes as Pattern,
  type AclEntry,
  type Admin,
} from 'kafkajs';
import { CONSENT_CHANGES_TOPIC, DLQ_TOPIC, eventsTopic, inboxTopic } from '@accord/contracts';
import { ensureTopics } from './topics';

/*
 * Who may touch what on the Kafka backbone (docs/contract.md, "Identities and ACLs";
 * docs/architecture.md, "Guarantees", 8): the one definition of every ACL the hub
 * creates. A participant's principal is its participant id (`<org>.<system>`, always with
 * one dot); the hub's own identities have no dot, so no participant can ever be
 * registered under one of their names.
 */

/** The hub's own Kafka identities: the certificate subject `CN=<name>` maps to `User:<name>`. */
export const HUB_IDENTITIES = {
  /** Super user: bootstraps the other identities' ACLs; held by operators, never by an app. */
  operator: 'accord-operator',
  /** The Kafka nodes themselves (inter-broker and controller traffic). */
  kafkaNode: 'kafka-broker',
  hubApi: 'accord-hub-api',
  sharingBroker: 'accord-sharing-broker',
  /** hub-api's partner delivery (the pull feed): reads every inbox, writes nothing. */
  partnerDelivery: 'accord-partner-delivery',
} as const;

/** Consumer groups of a participant start with `<participant>.`; the hub's components have prefixes of their own. */
export function participantGroupPrefix(participant: string): string {
  return `${participant}.`;
}

/** The sharing broker's consumer groups (its group id setting must start with this). */
export const SHARING_BROKER_GROUP_PREFIX = 'accord-sharing-broker';
/** hub-api's consumer groups (DLQ reader, simulation windows). */
export const HUB_API_GROUP_PREFIX = 'accord-hub-api';
/** The partner delivery's consumer group (its group id must start with this). */
export const PARTNER_DELIVERY_GROUP_PREFIX = 'accord-partner-delivery';

const EVENTS_TOPICS = eventsTopic('');
const INBOX_TOPICS = inboxTopic('');

interface Grant {
  resourceType: Resource;
  resourceName: string;
  resourcePatternType: Pattern;
  operations: Operation[];
}

function entries(principal: string, grants: Grant[]): AclEntry[] {
  return grants.flatMap(({ operations, ...resource }) =>
    operations.map((operation) => ({
      ...resource,
      principal: `User:${principal}`,
      host: '*',
      operation,
      permissionType: AclPermissionTypes.ALLOW,
    })),
  );
}

/**
 * A participant: write and describe its own events topic, read and describe its own
 * inbox, and use consumer groups prefixed `<participant>.`. Nothing else.
 */
export function participantAcls(participant: string): AclEntry[] {
  return entries(participant, [
    { resourceType: Resource.TOPIC, resourceName: eventsTopic(participant), resourcePatternType: Pattern.LITERAL, operations: [Operation.WRITE, Operation.DESCRIBE] },
    { resourceType: Resource.TOPIC, resourceName: inboxTopic(participant), resourcePatternType: Pattern.LITERAL, operations: [Operation.READ, Operation.DESCRIBE] },
    { resourceType: Resource.GROUP, resourceName: participantGroupPrefix(participant), resourcePatternType: Pattern.PREFIXED, operations: [Operation.READ] },
  ]);
}

/**
 * The sharing broker: reads every events topic and the consent changes, writes every
 * inbox and the dead-letter queue, and uses its own consumer groups. It may create the
 * dead-letter queue and no other topic: it ensures that one at start, as hub-api does,
 * so whichever starts first creates it.
 */
export function sharingBrokerAcls(): AclEntry[] {
  return entries(HUB_IDENTITIES.sharingBroker, [
    { resourceType: Resource.TOPIC, resourceName: EVENTS_TOPICS, resourcePatternType: Pattern.PREFIXED, operations: [Operation.READ, Operation.DESCRIBE] },
    { resourceType: Resource.TOPIC, resourceName: INBOX_TOPICS, resourcePatternType: Pattern.PREFIXED, operations: [Operation.WRITE, Operation.DESCRIBE] },
    { resourceType: Resource.TOPIC, resourceName: DLQ_TOPIC, resourcePatternType: Pattern.LITERAL, operations: [Operation.CREATE, Operation.WRITE, Operation.DESCRIBE] },
    { resourceType: Resource.TOPIC, resourceName: CONSENT_CHANGES_TOPIC, resourcePatternType: Pattern.LITERAL, operations: [Operation.READ, Operation.DESCRIBE] },
    { resourceType: Resource.GROUP, resourceName: SHARING_BROKER_GROUP_PREFIX, resourcePatternType: Pattern.PREFIXED, operations: [Operation.READ] },
  ]);
}

/**
 * hub-api, the control plane: creates the hub's topics and manages participants' ACLs
 * (Alter on the cluster, which only the control plane holds); reads the DLQ and, for
 * simulation, recent events; writes consent changes, consent notices to inboxes and
 * redriven events; describes every group for topic health.
 */
export function hubApiAcls(): AclEntry[] {
  return entries(HUB_IDENTITIES.hubApi, [
    { resourceType: Resource.CLUSTER, resourceName: 'kafka-cluster', resourcePatternType: Pattern.LITERAL, operations: [Operation.ALTER, Operation.DESCRIBE] },
    { resourceType: Resource.TOPIC, resourceName: 'accord.', resourcePatternType: Pattern.PREFIXED, operations: [Operation.CREATE, Operation.DESCRIBE, Operation.DESCRIBE_CONFIGS] },
    { resourceType: Resource.TOPIC, resourceName: DLQ_TOPIC, resourcePatternType: Pattern.LITERAL, operations: [Operation.READ] },
    { resourceType: Resource.TOPIC, resourceName: CONSENT_CHANGES_TOPIC, resourcePatternType: Pattern.LITERAL, operations: [Operation.WRITE] },
    { resourceType: Resource.TOPIC, resourceName: INBOX_TOPICS, resourcePatternType: Pattern.PREFIXED, operations: [Operation.WRITE] },
    { resourceType: Resource.TOPIC, resourceName: EVENTS_TOPICS, resourcePatternType: Pattern.PREFIXED, operations: [Operation.READ, Operation.WRITE] },
    { resourceType: Resource.GROUP, resourceName: HUB_API_GROUP_PREFIX, resourcePatternType: Pattern.PREFIXED, operations: [Operation.READ, Operation.DELETE] },
    { resourceType: Resource.GROUP, resourceName: '*', resourcePatternType: Pattern.LITERAL, operations: [Operation.DESCRIBE] },
  ]);
}

/**
 * The partner delivery (hub-api's pull feed for partners without a Kafka client): reads
 * and describes the inboxes, with its own consumer groups. It writes nothing, so the
 * component that holds every recipient's shared records cannot publish or redrive.
 */
export function partnerDeliveryAcls(): AclEntry[] {
  return entries(HUB_IDENTITIES.partnerDelivery, [
    { resourceType: Resource.TOPIC, resourceName: INBOX_TOPICS, resourcePatternType: Pattern.PREFIXED, operations: [Operation.READ, Operation.DESCRIBE] },
    { resourceType: Resource.GROUP, resourceName: PARTNER_DELIVERY_GROUP_PREFIX, resourcePatternType: Pattern.PREFIXED, operations: [Operation.READ] },
  ]);
}

/** Every hub component's ACLs; created once by the operator identity when a cluster is set up. */
export function hubComponentAcls(): AclEntry[] {
  return [...hubApiAcls(), ...sharingBrokerAcls(), ...partnerDeliveryAcls()];
}

/** How long a grant waits for the broker to enforce the ACLs it created. */
const GRANT_IN_EFFECT_TIMEOUT_MS = 15_000;
const GRANT_POLL_INTERVAL_MS = 50;

/**
 * Creates ACLs (Kafka ignores an ACL that already exists, so this is idempotent) and
 * returns once the broker enforces them. The controller commits an ACL before the
 * broker's authorizer has applied it, so without the wait a partner connecting the moment
 * its registration returns can be refused (an idempotent producer's InitProducerId fails
 * with "Cluster authorization failed" until its topic Write is in effect). DescribeAcls
 * answers from the broker's authorizer, so what it lists is what is enforced there.
 */
export async function grant(admin: Admin, acl: AclEntry[], timeoutMs = GRANT_IN_EFFECT_TIMEOUT_MS): Promise<void> {
  if (acl.length === 0) return;
  await admin.createAcls({ acl });
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const missing = await notYetEnforced(admin, acl);
    if (missing.length === 0) return;
    if (Date.now() >= deadline) {
      const principals = [...new Set(missing.map(({ principal }) => principal))].join(', ');
      throw new Error(`${missing.length} ACL(s) of ${principals} created but not in effect on the broker after ${timeoutMs} ms`);
    }
    await new Promise((resolve) => setTimeout(resolve, GRANT_POLL_INTERVAL_MS));
  }
}

function aclKey(entry: { resourceType: number; resourceName: string; resourcePatternType: number; principal: string; host: string; operation: number; permissionType: number }): string {
  return JSON.stringify([entry.resourceType, entry.resourceName, entry.resourcePatternType, entry.principal, entry.host, entry.operation, entry.permissionType]);
}

/**
 * The entries of `acl` the broker does not list yet: one DescribeAcls, filtered by
 * principal when there is one (a registration), unfiltered for many (a reconciliation).
 */
async function notYetEnforced(admin: Admin, acl: AclEntry[]): Promise<AclEntry[]> {
  const principals = new Set(acl.map((entry) => entry.principal));
  const { resources } = await admin.describeAcls({
    ...(principals.size === 1 ? { principal: acl[0]!.principal } : {}),
    resourceType: Resource.ANY,
    resourcePatternType: Pattern.ANY,
    operation: Operation.ANY,
    permissionType: AclPermissionTypes.ANY,
  });
  const listed = new Set(resources.flatMap(({ acls, ...resource }) => acls.map((entry) => aclKey({ ...resource, ...entry }))));
  return acl.filter((entry) => !listed.has(aclKey(entry)));
}

/** Removes exactly the given ACLs. */
export async function revoke(admin: Admin, acl: AclEntry[]): Promise<void> {
  if (acl.length === 0) return;
  await admin.deleteAcls({ filters: acl.map(({ principal, host, operation, permissionType, resourceType, resourceName, resourcePatternType }) => ({ principal, host, operation, permissionType, resourceType, resourceName, resourcePatternType })) });
}

/** A participant's topics exist and its ACLs are granted: what registration (and its reconciliation) does. */
export async function provisionParticipant(admin: Admin, participant: string, options: { suspended?: boolean } = {}): Promise<string[]> {
  const created = await ensureTopics(admin, [
    { topic: eventsTopic(participant), numPartitions: 6 },
    { topic: inboxTopic(participant), numPartitions: 6 },
  ]);
  if (options.suspended) await revoke(admin, participantAcls(participant));
  else await grant(admin, participantAcls(participant));
  return created;
}
