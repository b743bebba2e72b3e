/*
 * The registry the catalogue and schemas are derived from: a `.v2` of a type lives beside
 * its `.v1`, and mistakes in a definition fail when the class is declared.
 */

type Contracts = typeof import('../index');

/** A fresh copy of libs/contracts with `define` run before the catalogue is derived. */
function contractsWith(define: (contracts: Contracts) => void): Contracts {
  let loaded: Contracts | undefined;
  jest.isolateModules(() => {
    const contracts = require('../index') as Contracts;
    define(contracts);
    loaded = contracts;
  });
  return loaded!;
}

describe('event type definitions', () => {
  it('let a .v2 of a type live beside its .v1: both in the catalogue, the schemas and both validators', () => {
    const contracts = contractsWith(() => undefined);
    let v2: Contracts | undefined;
    jest.isolateModules(() => {
      const definition = require('./definition') as typeof import('./definition');
      const fields = require('./fields') as typeof import('./fields');
      const subject = require('./subject.dto') as typeof import('./subject.dto');
      const values = require('./values') as typeof import('./values');
      // The v2 splits the cost into a gross amount and the person's contribution (both required).
      class AscServiceStartedV2 extends subject.EventDataDto {
        serviceType: string;
        startDate: string;
        grossWeeklyCost: number;
        contribution: number;
      }
      fields.EnumField(values.SERVICE_TYPES)(AscServiceStartedV2.prototype, 'serviceType');
      fields.DateField()(AscServiceStartedV2.prototype, 'startDate');
      fields.NumberField({ min: 0 })(AscServiceStartedV2.prototype, 'grossWeeklyCost');
      fields.NumberField({ min: 0 })(AscServiceStartedV2.prototype, 'contribution');
      definition.EventType({ type: 'asc.service.started.v2', publisherSystem: 'adult-social-care', description: 'A care and support service started' })(AscServiceStartedV2);
      v2 = require('../index') as Contracts;
    });
    const both = v2!;
    expect([...both.EVENT_TYPES.keys()]).toEqual(expect.arrayContaining(['asc.service.started.v1', 'asc.service.started.v2']));
    expect(both.EVENT_TYPES.size).toBe(contracts.EVENT_TYPES.size + 1);
    expect(both.fieldsOf('asc.service.started.v2')!.map((field) => field.path)).toEqual([
      ...both.SUBJECT_FIELDS.map((field) => field.path),
      'serviceType',
      'startDate',
      'grossWeeklyCost',
      'contribution',
    ]);
    const data = { subject: { localId: 'p-1' }, serviceType: 'community', startDate: '2026-04-01', grossWeeklyCost: 500, contribution: 120 };
    expect(both.validateEventData('asc.service.started.v2', data)).toEqual({ ok: true, value: data });
    expect(both.validateEventDataFast('asc.service.started.v2', data)).toEqual({ ok: true, value: data });
    expect(both.validateEventData('asc.service.started.v1', data).ok).toBe(false);
    expect(both.eventDataSchema('asc.service.started.v2').required).toEqual(['subject', 'serviceType', 'startDate', 'grossWeeklyCost', 'contribution']);
    expect(both.eventDataSchema('asc.service.started.v1')).toEqual(contracts.eventDataSchema('asc.service.started.v1'));
  });

  it('refuse a type name without its version, a type defined twice and a field with two decorators', () => {
    contractsWith(({ EventType, TextField, EventDataDto }) => {
      class Unversioned extends EventDataDto {}
      expect(() => EventType({ type: 'asc.service.started', publisherSystem: 'adult-social-care', description: 'x' })(Unversioned)).toThrow(/v<version>/);
      class Again extends EventDataDto {}
      expect(() => EventType({ type: 'asc.service.started.v1', publisherSystem: 'adult-social-care', description: 'x' })(Again)).toThrow(/defined twice/);
      class Twice extends EventDataDto {
        note: string;
      }
      TextField()(Twice.prototype, 'note');
      expect(() => TextField()(Twice.prototype, 'note')).toThrow(/two field decorators/);
    });
  });
});
