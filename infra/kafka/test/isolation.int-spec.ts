/**
 * The isolation docs/contract.md, "Identities and ACLs", promises partners and auditors,
 * proved on the real broker (TLS with client certificates, StandardAuthorizer, deny
 * unless an ACL allows) with the ACLs of libs/kafka/src/access.ts; nothing is mocked. A
 * participant writes only its own events topic, reads only its own inbox, in consumer
 * groups prefixed `<participant>.`; hub components hold least privilege; nobody connects
 * without a current certificate from the partnership CA. Each refusal sits beside the
 * same call succeeding for whoever may make it, so a broker that refused everything (or a
 * test that proved nothing) fails.
 */
import { randomBytes } from 'node:crypto';
import { AclOperationTypes, AclPermissionTypes, AclResourceTypes, Kafka, logLevel, ResourcePatternTypes, type Admin, type KafkaConfig } from 'kafkajs';
import { CONSENT_CHANGES_TOPIC, DLQ_TOPIC, eventsTopic, inboxTopic } from '@accord/contracts';
import { grant, HUB_IDENTITIES, kafkaSsl, participantAcls, participantGroupPrefix, revoke, PARTNER_DELIVERY_GROUP_PREFIX, SHARING_BROKER_GROUP_PREFIX, type KafkaIdentity } from '@accord/kafka';
import { CertificateAuthority, generateKeyPair, type IssueOptions } from '@accord/pki';
import { eventually, provisionTestParticipant, TEST_KAFKA_BROKERS, testCertificateAuthority, testIdentity, testKafka, uniqueParticipant } from '@accord/testing';

/** What the broker answers when an ACL is missing, as kafkajs carries it (`type` is the Kafka error code). */
const TOPIC_REFUSED = { type: 'TOPIC_AUTHORIZATION_FAILED', message: 'Not authorized to access topics: [Topic authorization failed]' };
const CLUSTER_REFUSED = { type: 'CLUSTER_AUTHORIZATION_FAILED', message: 'Cluster authorization failed' };
/** kafkajs turns a refused FindCoordinator into this error and keeps the broker's answer for its debug log (see `Client`). */
const GROUP_REFUSED = { thrown: 'KafkaJSGroupCoordinatorNotFound', brokerAnswer: 'GROUP_AUTHORIZATION_FAILED' };

/** Refusals are not retriable, so they come at once; one retry rides out a coordinator still loading. */
const FAIL_FAST = { retries: 1, initialRetryTime: 100 };

interface Client {
  kafka: Kafka;
  /** The broker's answers to refused FindCoordinator requests: kafkajs logs them and throws KafkaJSGroupCoordinatorNotFound without them. */
  coordinatorAnswers: string[];
}

/** A client presenting `ssl` (none: plaintext), with short timeouts. */
function client(clientId: string, ssl: KafkaConfig['ssl'] | undefined): Client {
  const coordinatorAnswers: string[] = [];
  const kafka = new Kafka({
    clientId,
    brokers: TEST_KAFKA_BROKERS,
    ssl,
    connectionTimeout: 3_000,
    requestTimeout: 5_000,
    retry: FAIL_FAST,
    // Debug, only to read the broker's answer behind KafkaJSGroupCoordinatorNotFound; nothing is printed.
    logLevel: logLevel.DEBUG,
    logCreator:
      () =>
      ({ log }) => {
        if (log.message === 'Tried to find group coordinator' && typeof log.error?.type === 'string') coordinatorAnswers.push(log.error.type);
      },
  });
  return { kafka, coordinatorAnswers };
}

/** The error `attempt` was refused with; fails the test, naming `what`, when it succeeded. */
async function refusal(what: string, attempt: Promise<unknown>): Promise<unknown> {
  try {
    await attempt;
  } catch (error) {
    return error;
  }
  throw new Error(`${what} succeeded; it must be refused`);
}

/** The innermost error: kafkajs wraps the broker's answer in retry errors (`cause`) and aggregate errors (`errors`). */
function rootCause(error: unknown): unknown {
  let current = error;
  for (let depth = 0; depth < 5; depth++) {
    const { cause, errors } = current as { cause?: unknown; errors?: unknown[] };
    const inner = cause ?? errors?.[0];
    if (inner === undefined) break;
    current = inner;
  }
  return current;
}

/** How a refused consumer-group call surfaced: kafkajs' error and what the broker had answered. */
function groupRefusal(partner: Client, error: unknown): { thrown: string; brokerAnswer: string | undefined } {
  return { thrown: (error as Error).name, brokerAnswer: partner.coordinatorAnswers.at(-1) };
}

/**
 * The value of the first record a consumer in `groupId` receives from `topic`; rejects with
 * the refusal instead. kafkajs refuses in two ways: `subscribe` rejects (no Describe on the
 * topic), or the running consumer crashes without restarting (a refused FindCoordinator or
 * Fetch). The consumer is always disconnected, which also commits what it read.
 */
async function firstRecord({ kafka }: Client, groupId: string, topic: string): Promise<string> {
  const consumer = kafka.consumer({ groupId, allowAutoTopicCreation: false, maxWaitTimeInMs: 200, sessionTimeout: 6_000, heartbeatInterval: 500, retry: FAIL_FAST });
  let outcome: { received: string } | { refused: unknown } | undefined;
  consumer.on(consumer.events.CRASH, ({ payload }) => {
    if (!payload.restart) outcome ??= { refused: payload.error };
  });
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [topic], fromBeginning: true });
    await consumer.run({
      eachMessage: async ({ message }) => {
        outcome ??= { received: String(message.value) };
      },
    });
  } catch (error) {
    outcome ??= { refused: error };
  }
  try {
    const settled = await eventually(async () => outcome, 20_000);
    if ('refused' in settled) throw settled.refused;
    return settled.received;
  } finally {
    await consumer.disconnect();
  }
}

/** The topics `ssl` may see, after connecting with it. */
async function topicsSeenWith(ssl: KafkaConfig['ssl'] | undefined): Promise<string[]> {
  const admin = client('accord-test-isolation-connect', ssl).kafka.admin();
  try {
    await admin.connect();
    return (await admin.listTopics()).sort();
  } finally {
    await admin.disconnect();
  }
}

/** A key and certificate for `identity` from `authority`, kept in memory: the test PKI's files are left alone. */
async function certificateFrom(authority: CertificateAuthority, identity: string, trusted: KafkaIdentity, options: IssueOptions = {}): Promise<KafkaIdentity> {
  const { privateKeyPem, publicKey } = await generateKeyPair();
  const { certificatePem } = await authority.issueForKey(publicKey, identity, options);
  // The client still trusts the partnership CA, so it is the broker that judges the certificate.
  return { ca: trusted.ca, cert: certificatePem, key: privateKeyPem };
}

/** Records written to `topic` so far (its partitions' end offsets, summed). */
async function recordCount(admin: Admin, topic: string): Promise<number> {
  return (await admin.fetchTopicOffsets(topic)).reduce((sum, partition) => sum + Number(partition.high), 0);
}

const DAY_MS = 24 * 3600 * 1000;
/** Grant-then-connect rounds: the broker applies an ACL a few milliseconds after the controller commits it, so one round rarely catches the gap. */
const GRANT_ROUNDS = 10;

describe('Kafka isolation: what each identity may touch on the backbone', () => {
  const suffix = randomBytes(4).toString('hex');
  const a = uniqueParticipant('adult-social-care');
  const b = uniqueParticipant('revenues-benefits');
  /** A topic hub-api creates in this test (and cannot delete). */
  const hubApiTopic = `accord.test.isolation-${suffix}`;
  const groupsUsed: string[] = [];
  let identityA: KafkaIdentity;
  let partnerA: Client;
  let operator: Admin;

  /** A group of A's, and remembered for clean-up. */
  function groupOfA(name: string): string {
    const groupId = `${participantGroupPrefix(a)}${name}`;
    groupsUsed.push(groupId);
    return groupId;
  }

  beforeAll(async () => {
    identityA = await provisionTestParticipant(a);
    await provisionTestParticipant(b);
    partnerA = client('accord-test-isolation-a', kafkaSsl(identityA));
    operator = testKafka('accord-test-isolation-operator').admin();
    await operator.connect();
    // Something to read on every topic, so that a refused consumer cannot pass for one with nothing to read.
    const producer = testKafka('accord-test-isolation-seed').producer({ allowAutoTopicCreation: false });
    await producer.connect();
    try {
      for (const topic of [eventsTopic(a), inboxTopic(a), eventsTopic(b), inboxTopic(b)]) {
        await producer.send({ topic, acks: -1, messages: [{ partition: 0, value: `seed of ${topic}` }] });
      }
    } finally {
      await producer.disconnect();
    }
  });

  afterAll(async () => {
    try {
      // ACLs first: once the topics are gone, kafkajs' metadata refresh for them fails every later admin call.
      await revoke(operator, [...participantAcls(a), ...participantAcls(b)]);
      await operator.deleteGroups(groupsUsed).catch(() => undefined);
      await operator.deleteTopics({ topics: [eventsTopic(a), inboxTopic(a), eventsTopic(b), inboxTopic(b), hubApiTopic], timeout: 10_000 }).catch(() => undefined);
    } finally {
      await operator.disconnect();
    }
  });

  it('lets partner A write its own events topic and no other topic', async () => {
    // The producer the outbox relay uses: idempotent, acks from all replicas.
    const producer = partnerA.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: FAIL_FAST });
    await producer.connect();
    try {
      const send = (topic: string) => producer.send({ topic, acks: -1, messages: [{ key: 'person-1', value: `from ${a}` }] });
      // Counted where nothing else writes meanwhile (other test files write the DLQ and consent changes).
      const guarded = [eventsTopic(b), inboxTopic(a), inboxTopic(b)];
      const before = await Promise.all(guarded.map((topic) => recordCount(operator, topic)));

      await expect(send(eventsTopic(a))).resolves.toEqual([expect.objectContaining({ errorCode: 0 })]);
      for (const topic of [eventsTopic(b), inboxTopic(a), inboxTopic(b), DLQ_TOPIC, CONSENT_CHANGES_TOPIC]) {
        expect({ topic, refusal: rootCause(await refusal(`A producing to ${topic}`, send(topic))) }).toEqual({ topic, refusal: expect.objectContaining(TOPIC_REFUSED) });
      }
      // Refusals leave the producer working, and nothing reached the other topics.
      await expect(send(eventsTopic(a))).resolves.toEqual([expect.objectContaining({ errorCode: 0 })]);
      expect(await Promise.all(guarded.map((topic) => recordCount(operator, topic)))).toEqual(before);
    } finally {
      await producer.disconnect();
    }
  });

  it("lets partner A read its own inbox, in a group of its own, and no events topic nor B's inbox", async () => {
    const reader = groupOfA('inbox-reader');
    expect(await firstRecord(partnerA, reader, inboxTopic(a))).toBe(`seed of ${inboxTopic(a)}`);
    // What it read was committed in its group (the seed is the only record, on partition 0).
    await eventually(async () => {
      const [committed] = await operator.fetchOffsets({ groupId: reader, topics: [inboxTopic(a)] });
      return committed?.partitions.find((partition) => partition.partition === 0)?.offset === '1' ? true : undefined;
    });

    // B's topics: A may not even describe them, so subscribing is refused.
    for (const topic of [inboxTopic(b), eventsTopic(b)]) {
      const error = await refusal(`A consuming ${topic}`, firstRecord(partnerA, groupOfA(`reader-${topic}`), topic));
      expect({ topic, refusal: rootCause(error) }).toEqual({ topic, refusal: expect.objectContaining(TOPIC_REFUSED) });
    }
    // A's own events topic: A writes it, so it may describe it, but reading is refused at the first fetch.
    const ownEvents = await refusal('A consuming its own events topic', firstRecord(partnerA, groupOfA('events-reader'), eventsTopic(a)));
    expect(rootCause(ownEvents)).toMatchObject(TOPIC_REFUSED);
  });

  it("refuses partner A the sharing broker's group (joining or committing) and any group outside `A.`", async () => {
    expect(await firstRecord(partnerA, groupOfA('second-reader'), inboxTopic(a))).toBe(`seed of ${inboxTopic(a)}`);

    // Joining the broker's group would take a share of its partitions; committing would make it skip events.
    // The last starts with A's id but not with `A.`: without the dot, A would share the groups of a
    // system whose id merely extends A's (`<org>.<system>-inbox-reader`).
    const groups = [SHARING_BROKER_GROUP_PREFIX, `${participantGroupPrefix(b)}inbox-reader`, `${a}-inbox-reader`];
    for (const groupId of groups) {
      const partner = client('accord-test-isolation-a-join', kafkaSsl(identityA));
      const error = await refusal(`A joining ${groupId}`, firstRecord(partner, groupId, inboxTopic(a)));
      expect({ groupId, ...groupRefusal(partner, error) }).toEqual({ groupId, ...GROUP_REFUSED });
    }
    const committer = client('accord-test-isolation-a-commit', kafkaSsl(identityA));
    const admin = committer.kafka.admin();
    await admin.connect();
    try {
      const error = await refusal(`A committing as ${SHARING_BROKER_GROUP_PREFIX}`, admin.setOffsets({ groupId: SHARING_BROKER_GROUP_PREFIX, topic: eventsTopic(a), partitions: [{ partition: 0, offset: '1' }] }));
      expect(groupRefusal(committer, error)).toEqual(GROUP_REFUSED);
    } finally {
      await admin.disconnect();
    }
  });

  it('refuses partner A creating or deleting topics and granting itself access, and shows it only its own topics', async () => {
    const admin = partnerA.kafka.admin();
    await admin.connect();
    try {
      expect(await operator.listTopics()).toEqual(expect.arrayContaining([eventsTopic(b), inboxTopic(b)]));
      expect((await admin.listTopics()).sort()).toEqual([eventsTopic(a), inboxTopic(a)].sort());

      const created = await refusal('A creating a topic', admin.createTopics({ topics: [{ topic: eventsTopic(`${a}x`), numPartitions: 1 }] }));
      expect(created).toMatchObject({ name: 'KafkaJSAggregateError', message: 'Topic creation errors' });
      expect(rootCause(created)).toMatchObject(TOPIC_REFUSED);

      for (const topic of [eventsTopic(b), eventsTopic(a)]) {
        expect({ topic, refusal: rootCause(await refusal(`A deleting ${topic}`, admin.deleteTopics({ topics: [topic], timeout: 5_000 }))) }).toEqual({
          topic,
          refusal: expect.objectContaining(TOPIC_REFUSED),
        });
      }
      expect(await operator.listTopics()).toEqual(expect.arrayContaining([eventsTopic(a), eventsTopic(b)]));
      expect(await operator.listTopics()).not.toContain(eventsTopic(`${a}x`));

      const readB = { resourceType: AclResourceTypes.TOPIC, resourceName: inboxTopic(b), resourcePatternType: ResourcePatternTypes.LITERAL, principal: `User:${a}`, host: '*', operation: AclOperationTypes.READ, permissionType: AclPermissionTypes.ALLOW };
      expect(rootCause(await refusal("A granting itself B's inbox", admin.createAcls({ acl: [readB] })))).toMatchObject(CLUSTER_REFUSED);
    } finally {
      await admin.disconnect();
    }
  });

  it('lets the sharing broker read events and write inboxes, never the other way round', async () => {
    const broker = client('accord-test-isolation-broker', kafkaSsl(testIdentity(HUB_IDENTITIES.sharingBroker)));
    const group = (name: string) => {
      const groupId = `${SHARING_BROKER_GROUP_PREFIX}-isolation-${suffix}-${name}`;
      groupsUsed.push(groupId);
      return groupId;
    };
    // Whichever record comes first: A's own records from the first test may be there too.
    await expect(firstRecord(broker, group('events'), eventsTopic(a))).resolves.toEqual(expect.any(String));
    expect(rootCause(await refusal('the sharing broker consuming an inbox', firstRecord(broker, group('inbox'), inboxTopic(a))))).toMatchObject(TOPIC_REFUSED);

    const producer = broker.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: FAIL_FAST });
    await producer.connect();
    try {
      const send = (topic: string) => producer.send({ topic, acks: -1, messages: [{ value: 'from the sharing broker' }] });
      await expect(send(inboxTopic(b))).resolves.toEqual([expect.objectContaining({ errorCode: 0 })]);
      expect(rootCause(await refusal('the sharing broker producing to an events topic', send(eventsTopic(a))))).toMatchObject(TOPIC_REFUSED);
    } finally {
      await producer.disconnect();
    }

    // It ensures the dead-letter queue at start, with the settings the apps give it (true: created now,
    // false: there already), and may create no other topic.
    const admin = broker.kafka.admin();
    await admin.connect();
    try {
      const dlq = { topic: DLQ_TOPIC, numPartitions: 3, configEntries: [{ name: 'retention.ms', value: String(30 * DAY_MS) }] };
      await expect(admin.createTopics({ topics: [dlq] })).resolves.toEqual(expect.any(Boolean));
      expect(rootCause(await refusal('the sharing broker creating a topic', admin.createTopics({ topics: [{ topic: hubApiTopic, numPartitions: 1 }] })))).toMatchObject(TOPIC_REFUSED);
    } finally {
      await admin.disconnect();
    }
  });

  it("lets hub-api's partner delivery read inboxes, in groups of its own, and write nothing", async () => {
    const delivery = client('accord-test-isolation-delivery', kafkaSsl(testIdentity(HUB_IDENTITIES.partnerDelivery)));
    const group = (name: string) => {
      const groupId = `${PARTNER_DELIVERY_GROUP_PREFIX}-isolation-${suffix}-${name}`;
      groupsUsed.push(groupId);
      return groupId;
    };
    // B's inbox holds the sharing broker's record from the test before.
    await expect(firstRecord(delivery, group('inbox'), inboxTopic(b))).resolves.toEqual(expect.any(String));
    expect(rootCause(await refusal('the partner delivery consuming an events topic', firstRecord(delivery, group('events'), eventsTopic(a))))).toMatchObject(TOPIC_REFUSED);
    const outsideItsGroups = `${SHARING_BROKER_GROUP_PREFIX}-isolation-${suffix}-delivery`;
    groupsUsed.push(outsideItsGroups);
    const error = await refusal("the partner delivery joining the sharing broker's group", firstRecord(delivery, outsideItsGroups, inboxTopic(b)));
    expect(groupRefusal(delivery, error)).toEqual(GROUP_REFUSED);

    const producer = delivery.kafka.producer({ allowAutoTopicCreation: false, retry: FAIL_FAST });
    await producer.connect();
    try {
      for (const topic of [inboxTopic(b), eventsTopic(a), DLQ_TOPIC]) {
        const send = producer.send({ topic, acks: -1, messages: [{ value: 'from the partner delivery' }] });
        expect(rootCause(await refusal(`the partner delivery producing to ${topic}`, send))).toMatchObject(TOPIC_REFUSED);
      }
    } finally {
      await producer.disconnect();
    }
  });

  it('lets hub-api create topics but delete none', async () => {
    const admin = client('accord-test-isolation-hub-api', kafkaSsl(testIdentity(HUB_IDENTITIES.hubApi))).kafka.admin();
    await admin.connect();
    try {
      expect(await admin.createTopics({ topics: [{ topic: hubApiTopic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })).toBe(true);
      for (const topic of [hubApiTopic, eventsTopic(a)]) {
        expect({ topic, refusal: rootCause(await refusal(`hub-api deleting ${topic}`, admin.deleteTopics({ topics: [topic], timeout: 5_000 }))) }).toEqual({
          topic,
          refusal: expect.objectContaining(TOPIC_REFUSED),
        });
      }
      expect(await operator.listTopics()).toEqual(expect.arrayContaining([hubApiTopic, eventsTopic(a)]));
    } finally {
      await admin.disconnect();
    }
  });

  it('lets a participant produce the moment its grant returns (the broker enforces what grant created before it returns)', async () => {
    // Each round takes A's access away and gives it back, then connects at once with the
    // producer the outbox relay uses: its InitProducerId is refused until the topic Write is in effect.
    for (let round = 0; round < GRANT_ROUNDS; round++) {
      await revoke(operator, participantAcls(a));
      await grant(operator, participantAcls(a));
      const producer = partnerA.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false, retry: FAIL_FAST });
      try {
        await producer.connect();
        await expect(producer.send({ topic: eventsTopic(a), acks: -1, messages: [{ key: 'person-1', value: `round ${round}` }] })).resolves.toEqual([
          expect.objectContaining({ errorCode: 0 }),
        ]);
      } finally {
        await producer.disconnect();
      }
    }
  });

  it('refuses a connection without a certificate, with one from another CA or an expired one, and without TLS', async () => {
    const partnershipCa = await testCertificateAuthority();
    const { authority: impostorCa } = await CertificateAuthority.create('accord-impostor-ca');
    const ownTopics = [eventsTopic(a), inboxTopic(a)].sort();
    // A fresh certificate made the same way connects: what differs below is only what is under test.
    expect(await topicsSeenWith(kafkaSsl(await certificateFrom(partnershipCa, a, identityA)))).toEqual(ownTopics);

    // The broker's TLS alert, as Node reports it: 42 bad_certificate (none presented), 46 certificate_unknown (not one it trusts now).
    const noCertificate = await refusal('connecting without a certificate', topicsSeenWith({ ca: [identityA.ca], rejectUnauthorized: true }));
    expect(rootCause(noCertificate)).toMatchObject({ name: 'KafkaJSConnectionError', code: 'ERR_SSL_SSLV3_ALERT_BAD_CERTIFICATE' });

    // Both claim to be A: the name alone is worth nothing.
    const impostor = await certificateFrom(impostorCa, a, identityA);
    expect(rootCause(await refusal("connecting with another CA's certificate", topicsSeenWith(kafkaSsl(impostor))))).toMatchObject({ name: 'KafkaJSConnectionError', code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN' });
    const expired = await certificateFrom(partnershipCa, a, identityA, { notBefore: new Date(Date.now() - 2 * DAY_MS), notAfter: new Date(Date.now() - DAY_MS) });
    expect(rootCause(await refusal('connecting with an expired certificate', topicsSeenWith(kafkaSsl(expired))))).toMatchObject({ name: 'KafkaJSConnectionError', code: 'ERR_SSL_SSLV3_ALERT_CERTIFICATE_UNKNOWN' });

    // Plaintext reaches a TLS listener, which closes the connection.
    expect(rootCause(await refusal('connecting without TLS', topicsSeenWith(undefined)))).toMatchObject({ name: 'KafkaJSConnectionClosedError', message: 'Closed connection' });
  });
});
