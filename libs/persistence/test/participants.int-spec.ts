import { createHash, randomBytes } from 'node:crypto';
import type { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@accord/testing';
import {
  certificatesExpiring,
  certificateStatus,
  dataSourceOptions,
  findCertificate,
  findParticipant,
  HUB_ENTITIES,
  HUB_MIGRATIONS,
  HUB_SCHEMA,
  insertCertificate,
  listCertificates,
  listParticipants,
  markCertificateRevoked,
  openDatabase,
  participantAccessStates,
  resumeParticipant,
  revokedCertificatesStillValid,
  suspendParticipant,
  upsertParticipant,
  withParticipantAccessLock,
} from '@accord/persistence';

const DAY_MS = 86_400_000;

describe('participant registry, lifecycle and certificates in Postgres', () => {
  let database: TestDatabase;
  let dataSource: DataSource;
  const now = new Date();
  const inDays = (days: number) => new Date(now.getTime() + days * DAY_MS);

  beforeAll(async () => {
    database = await createTestDatabase('participants_store');
    dataSource = await openDatabase(dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS, poolSize: 4 }));
  });
  afterAll(async () => {
    await dataSource?.destroy();
    await database.drop();
  });

  async function register(id: string): Promise<void> {
    const [organisation, system] = id.split('.') as [string, string];
    await upsertParticipant(dataSource.manager, { id, organisation, system, displayName: id });
  }

  function certificate(participant: string, notAfter: Date, notBefore = new Date(now.getTime() - 60_000)) {
    const serialNumber = randomBytes(16).toString('hex');
    return {
      serialNumber,
      participant,
      fingerprint: createHash('sha256').update(serialNumber).digest('hex'),
      notBefore,
      notAfter,
      certificatePem: '-----BEGIN CERTIFICATE-----\nAA==\n-----END CERTIFICATE-----\n',
      createdBy: 'token-1',
    };
  }

  it('registers and renames a participant, lists it with the latest expiry of its certificates that are neither revoked nor expired', async () => {
    await register('store.alpha');
    await upsertParticipant(dataSource.manager, { id: 'store.alpha', organisation: 'store', system: 'alpha', displayName: 'Renamed' });
    expect(await findParticipant(dataSource.manager, 'store.alpha')).toMatchObject({ displayName: 'Renamed', suspendedAt: null, suspensionReason: null, certificateExpiresAt: null });
    expect(await findParticipant(dataSource.manager, 'store.nobody')).toBeNull();

    const soon = await insertCertificate(dataSource.manager, certificate('store.alpha', inDays(10)));
    const later = await insertCertificate(dataSource.manager, certificate('store.alpha', inDays(90)));
    await insertCertificate(dataSource.manager, certificate('store.alpha', new Date(now.getTime() - 1000), new Date(now.getTime() - 2 * DAY_MS)));
    expect(soon).toMatchObject({ participant: 'store.alpha', revokedAt: null, revokedBy: null, createdBy: 'token-1' });
    expect((await findParticipant(dataSource.manager, 'store.alpha', now))!.certificateExpiresAt).toEqual(later.notAfter);

    await markCertificateRevoked(dataSource.manager, 'store.alpha', later.serialNumber, 'token-2');
    expect((await findParticipant(dataSource.manager, 'store.alpha', now))!.certificateExpiresAt).toEqual(soon.notAfter);
    const listed = await listParticipants(dataSource.manager, now);
    expect(listed.find((participant) => participant.id === 'store.alpha')!.certificateExpiresAt).toEqual(soon.notAfter);
  });

  it('suspends (keeping the first reason) and resumes; access states follow; an unknown id changes nothing', async () => {
    await register('store.beta');
    await register('store.gamma');
    expect(await suspendParticipant(dataSource.manager, 'store.beta', 'suspended')).toBe(true);
    const first = (await findParticipant(dataSource.manager, 'store.beta'))!;
    expect(await suspendParticipant(dataSource.manager, 'store.beta', 'certificate-revoked')).toBe(true);
    expect(await findParticipant(dataSource.manager, 'store.beta')).toMatchObject({ suspendedAt: first.suspendedAt, suspensionReason: 'suspended' });
    expect(await suspendParticipant(dataSource.manager, 'store.nobody', 'suspended')).toBe(false);

    const states = await participantAccessStates(dataSource.manager);
    expect(states.filter((state) => state.id.startsWith('store.b') || state.id.startsWith('store.g'))).toEqual([
      { id: 'store.beta', suspended: true },
      { id: 'store.gamma', suspended: false },
    ]);

    expect(await resumeParticipant(dataSource.manager, 'store.beta')).toBe(true);
    expect(await findParticipant(dataSource.manager, 'store.beta')).toMatchObject({ suspendedAt: null, suspensionReason: null });
    expect(await resumeParticipant(dataSource.manager, 'store.nobody')).toBe(false);
    // Registering again keeps a suspension.
    await suspendParticipant(dataSource.manager, 'store.gamma', 'certificate-revoked');
    await register('store.gamma');
    expect(await findParticipant(dataSource.manager, 'store.gamma')).toMatchObject({ suspensionReason: 'certificate-revoked' });
  });

  it('lists, finds and revokes certificates once; reports revoked ones still in date and those expiring within a window', async () => {
    await register('store.delta');
    const a = await insertCertificate(dataSource.manager, certificate('store.delta', inDays(5)));
    const b = await insertCertificate(dataSource.manager, certificate('store.delta', inDays(20)));
    const c = await insertCertificate(dataSource.manager, certificate('store.delta', inDays(200)));

    expect((await listCertificates(dataSource.manager, 'store.delta', 10)).map((item) => item.serialNumber).sort()).toEqual([a, b, c].map((item) => item.serialNumber).sort());
    expect(await listCertificates(dataSource.manager, 'store.delta', 2)).toHaveLength(2);
    expect(await findCertificate(dataSource.manager, 'store.delta', b.serialNumber)).toEqual(b);
    expect(await findCertificate(dataSource.manager, 'store.alpha', b.serialNumber)).toBeNull();

    const revoked = await markCertificateRevoked(dataSource.manager, 'store.delta', b.serialNumber, 'token-9');
    expect(revoked).toMatchObject({ serialNumber: b.serialNumber, revokedBy: 'token-9', revokedAt: expect.any(Date) });
    expect(await markCertificateRevoked(dataSource.manager, 'store.delta', b.serialNumber, 'token-9')).toBeNull();
    expect(await markCertificateRevoked(dataSource.manager, 'store.alpha', c.serialNumber, 'token-9')).toBeNull();
    expect((await revokedCertificatesStillValid(dataSource.manager, 'store.delta', now)).map((item) => item.serialNumber)).toEqual([b.serialNumber]);
    expect(await revokedCertificatesStillValid(dataSource.manager, 'store.delta', inDays(21))).toEqual([]);

    const expiring = (await certificatesExpiring(dataSource.manager, inDays(30), 100, now)).filter((item) => item.participant === 'store.delta');
    expect(expiring.map((item) => item.serialNumber)).toEqual([a.serialNumber]);
    expect(await certificatesExpiring(dataSource.manager, inDays(400), 1, now)).toHaveLength(1);

    expect(certificateStatus(a, now)).toBe('active');
    expect(certificateStatus(a, inDays(6))).toBe('expired');
    expect(certificateStatus(revoked!, inDays(300))).toBe('revoked');
  });

  it('refuses a certificate of an unregistered participant or with a malformed serial, at the database too', async () => {
    await expect(insertCertificate(dataSource.manager, certificate('store.nobody', inDays(5)))).rejects.toThrow(/foreign key/);
    await expect(insertCertificate(dataSource.manager, { ...certificate('store.alpha', inDays(5)), serialNumber: 'NOT-HEX' })).rejects.toThrow(/check constraint/);
  });

  it('runs access changes one at a time across connections, and releases the lock when the work fails', async () => {
    const order: string[] = [];
    const work = (name: string) => async () => {
      order.push(`${name} start`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      order.push(`${name} end`);
    };
    await Promise.all([withParticipantAccessLock(dataSource, work('a')), withParticipantAccessLock(dataSource, work('b'))]);
    expect([order.slice(0, 2), order.slice(2)].every(([start, end]) => start!.replace(' start', '') === end!.replace(' end', ''))).toBe(true);

    await expect(withParticipantAccessLock(dataSource, async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(withParticipantAccessLock(dataSource, async () => 'free')).resolves.toBe('free');
  });
});
