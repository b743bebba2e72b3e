import { DataSource } from 'typeorm';
import { createTestDatabase, type TestDatabase } from '@accord/testing';
import { dataSourceOptions, HUB_ENTITIES, HUB_MIGRATIONS, HUB_SCHEMA, openDatabase, ParticipantEntity } from '@accord/persistence';

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
