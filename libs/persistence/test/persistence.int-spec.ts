import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@accord/testing';
import { dataSourceOptions, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, openDatabase, ParticipantEntity, preparedQuery } from '@accord/persistence';

describe('persistence against the real Postgres', () => {
  let database: TestDatabase;
  const open = () =>
    openDatabase(dataSourceOptions({ url: database.url, schema: HUB_SCHEMA, entities: HUB_ENTITIES, migrations: HUB_MIGRATIONS }));

  beforeAll(async () => {
    database = await createTestDatabase('persistence');
  });
  afterAll(async () => {
    await database.drop();
  });

  it('migrates the hub schema and reads back a row written to a migration-created table', async () => {
    const dataSource = await open();
    try {
      const participants = dataSource.getRepository(ParticipantEntity);
      await participants.insert({ id: 'southampton.adult-social-care', organisation: 'southampton', system: 'adult-social-care', displayName: 'Southampton City Council adult social care' });

      const stored = await participants.findOneByOrFail({ id: 'southampton.adult-social-care' });
      expect(stored).toMatchObject({ organisation: 'southampton', system: 'adult-social-care' });
      expect(stored.registeredAt).toBeInstanceOf(Date);

      const [table] = await dataSource.query(
        `SELECT table_schema FROM information_schema.tables WHERE table_name = 'participants'`,
      );
      expect(table.table_schema).toBe(HUB_SCHEMA);
    } finally {
      await dataSource.destroy();
    }
  });

  it('runs a hot statement prepared once per connection: on a pooled connection, or inside a transaction on its own (seeing its writes)', async () => {
    const dataSource = await open();
    try {
      const count = `SELECT count(*)::int AS n FROM participants WHERE organisation = $1`;
      const prepared = async (manager = dataSource.manager) => (await preparedQuery<{ n: number }>(manager, 'test-count-participants', count, ['prepared-test']))[0]!.n;
      expect(await prepared()).toBe(0);
      await dataSource.transaction(async (manager) => {
        await manager.query(`INSERT INTO participants (id, organisation, system, display_name) VALUES ('prepared-test.a', 'prepared-test', 'a', 'A')`);
        expect(await prepared(manager)).toBe(1);
        // Prepared on this connection, under its name, once for every call made on it.
        const [statement] = await manager.query(`SELECT statement FROM pg_prepared_statements WHERE name = 'test-count-participants'`);
        expect(statement.statement).toBe(count);
        expect(await prepared(manager)).toBe(1);
        throw new Error('roll back');
      }).catch((error: Error) => expect(error.message).toBe('roll back'));
      expect(await prepared()).toBe(0);
    } finally {
      await dataSource.destroy();
    }
  });

  it('lets several apps start at once: migrations run once, under a lock', async () => {
    const sources = await Promise.all([open(), open(), open()]);
    try {
      const applied = await sources[0].query(`SELECT name FROM "${HUB_SCHEMA}".migrations`);
      expect(applied.map((row: { name: string }) => row.name)).toEqual(HUB_MIGRATIONS.map((migration) => migration.name));
    } finally {
      await Promise.all(sources.map((source: DataSource) => source.destroy()));
    }
  });

  it('rejects a participant id that is not <org>.<system> at the database too', async () => {
    const dataSource = await open();
    try {
      await expect(
        dataSource.getRepository(ParticipantEntity).insert({ id: 'Not A Participant', organisation: 'x', system: 'y', displayName: 'x' }),
      ).rejects.toThrow(/check constraint/);
    } finally {
      await dataSource.destroy();
    }
  });
});
