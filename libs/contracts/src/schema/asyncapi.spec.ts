import { Parser } from '@asyncapi/parser';
import { EVENT_TYPES } from '../event-catalog';
import { HEADERS } from '../envelope';
import { CONSENT_CHANGES_TOPIC, DLQ_TOPIC } from '../participants';
import { asyncApiDocument } from './asyncapi';

const ERROR = 0;

async function parse(document: object) {
  const { document: parsed, diagnostics } = await new Parser().parse(JSON.stringify(document));
  return { parsed, errors: diagnostics.filter((diagnostic) => diagnostic.severity === ERROR).map((error) => `${error.path.join('.')}: ${error.message}`) };
}

describe('the AsyncAPI document', () => {
  jest.setTimeout(30_000);

  it('validates with @asyncapi/parser: no errors', async () => {
    const { parsed, errors } = await parse(asyncApiDocument());
    expect(errors).toEqual([]);
    expect(parsed).toBeDefined();
  });

  it('describes every topic, and every event type as published and as released, with its headers', async () => {
    const { parsed } = await parse(asyncApiDocument());
    const addresses = parsed!.channels().all().map((channel) => channel.address());
    expect(addresses.sort()).toEqual(['accord.events.{participant}', 'accord.inbox.{participant}', CONSENT_CHANGES_TOPIC, DLQ_TOPIC].sort());

    const events = parsed!.channels().get('participantEvents')!;
    for (const [type, spec] of EVENT_TYPES) {
      const message = events.messages().get(type)!;
      const payload = message.payload()!;
      expect(payload.required()).toEqual(expect.arrayContaining(['subject', ...spec.fields.filter((field) => field.required).map((field) => field.path)]));
      expect(Object.keys(payload.properties()!).sort()).toEqual(['subject', ...spec.fields.map((field) => field.path)].sort());
      expect(message.headers()!.required()).toEqual(expect.arrayContaining([HEADERS.specVersion, HEADERS.id, HEADERS.source, HEADERS.type, HEADERS.time, HEADERS.contentType]));
      const released = parsed!.channels().get('participantInbox')!.messages().get(`${type}.released`)!;
      expect(released.headers()!.required()).toEqual(expect.arrayContaining([HEADERS.agreement, HEADERS.purpose, HEADERS.decision]));
    }
    const publishers = parsed!.operations().all().filter((operation) => operation.action() === 'send');
    expect(publishers.flatMap((operation) => operation.messages().all().map((message) => message.id())).sort()).toEqual([...EVENT_TYPES.keys()].sort());
  });

  it('is checked for real: a payload that is not a schema is an error', async () => {
    const broken = asyncApiDocument() as { components: { messages: Record<string, { payload: unknown }> } };
    broken.components.messages['asc.service.started.v1']!.payload = { type: 'not-a-type' };
    expect((await parse(broken)).errors.length).toBeGreaterThan(0);
  });
});
