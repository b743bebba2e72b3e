import fc from 'fast-check';
import { arrayLiteral } from './array-literal';

/** node-postgres's own conversion of a JS array parameter (what a query would send given the array). */
const pgPrepareValue = (require('pg/lib/utils') as { prepareValue: (value: unknown) => unknown }).prepareValue;

describe('arrayLiteral', () => {
  it('is the literal node-postgres sends for the same array of strings and nulls (numbers it quotes, we write bare)', () => {
    const element = fc.oneof(
      fc.string({ unit: fc.constantFrom('a', '"', '\\', '{', '}', ',', ' ', 'é', '\u{1f600}'), maxLength: 6 }),
      fc.uuid(),
      fc.constantFrom(null, 'NULL', ''),
    );
    fc.assert(fc.property(fc.array(element, { maxLength: 12 }), (values) => arrayLiteral(values) === pgPrepareValue(values)), { numRuns: 3000 });
  });
});
