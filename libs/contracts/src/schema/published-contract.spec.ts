import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { EVENT_TYPES } from '../event-catalog';
import { incompatibleChanges } from './compatibility';
import { contractDocuments, PUBLISHED_SCHEMAS_DIRECTORY, publishedSchemaPath } from './contract-documents';
import { eventDataSchema, type JsonSchema } from './event-data-schema';

/*
 * docs/schemas/<type>.json is what partners were given for each type: its version may only
 * grow compatibly. docs/ is generated (`npm run contract:write`), and must be up to date.
 */

const REPOSITORY = resolve(__dirname, '../../../..');
const read = (path: string) => readFileSync(join(REPOSITORY, path), 'utf8');

describe('the published event contract', () => {
  it.each([...EVENT_TYPES.keys()])('%s: the current definition keeps its published schema valid', (type) => {
    const path = publishedSchemaPath(type);
    if (!existsSync(join(REPOSITORY, path))) throw new Error(`${path} is not published: run npm run contract:write`);
    expect(incompatibleChanges(JSON.parse(read(path)) as JsonSchema, eventDataSchema(type))).toEqual([]);
  });

  it('still defines every published type (a published version is never withdrawn)', () => {
    const published = readdirSync(join(REPOSITORY, PUBLISHED_SCHEMAS_DIRECTORY)).map((file) => file.replace(/\.json$/, ''));
    expect(published.filter((type) => !EVENT_TYPES.has(type))).toEqual([]);
  });

  it('is what the definitions generate now (else: run npm run contract:write)', () => {
    const stale = [...contractDocuments()].filter(([path, content]) => !existsSync(join(REPOSITORY, path)) || read(path) !== content).map(([path]) => path);
    expect({ stale, fix: stale.length > 0 ? 'run npm run contract:write' : undefined }).toEqual({ stale: [], fix: undefined });
  });
});
