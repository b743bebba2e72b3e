import { EVENT_TYPES } from '../event-catalog';
import { asyncApiDocument } from './asyncapi';
import { incompatibleChanges, type IncompatibleChange } from './compatibility';
import { eventDataSchema, type JsonSchema } from './event-data-schema';

/*
 * The published contract files, by path relative to the repository root: the AsyncAPI
 * document and each type's data schema. `npm run contract:write` writes them; a test fails
 * when the committed files differ from what the definitions generate now.
 */

const json = (value: unknown) => `${JSON.stringify(value, null, 2)}\n`;

export const PUBLISHED_SCHEMAS_DIRECTORY = 'docs/schemas';
export const ASYNCAPI_PATH = 'docs/asyncapi.json';

export function publishedSchemaPath(eventType: string): string {
  return `${PUBLISHED_SCHEMAS_DIRECTORY}/${eventType}.json`;
}

export function contractDocuments(): ReadonlyMap<string, string> {
  return new Map([[ASYNCAPI_PATH, json(asyncApiDocument())], ...[...EVENT_TYPES.keys()].map((type) => [publishedSchemaPath(type), json(eventDataSchema(type))] as const)]);
}

export interface RefusedSchema {
  path: string;
  changes: IncompatibleChange[];
}

/**
 * What `npm run contract:write` may write: every document, except a type's schema whose
 * change from the published file is incompatible (that needs a new version of the type).
 * `read` gives a file's current content, undefined when it does not exist.
 */
export function contractWritePlan(read: (path: string) => string | undefined): { write: ReadonlyMap<string, string>; refused: RefusedSchema[] } {
  const write = new Map<string, string>();
  const refused: RefusedSchema[] = [];
  for (const [path, content] of contractDocuments()) {
    const published = path.startsWith(`${PUBLISHED_SCHEMAS_DIRECTORY}/`) ? read(path) : undefined;
    const changes = published === undefined ? [] : incompatibleChanges(JSON.parse(published) as JsonSchema, JSON.parse(content) as JsonSchema);
    if (changes.length > 0) refused.push({ path, changes });
    else write.set(path, content);
  }
  return { write, refused };
}
