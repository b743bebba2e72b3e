import { resolveParticipant } from './tenancy';

/** What a request acts for: its token's participant, never a header's choice. */
describe('resolveParticipant', () => {
  const served = ['southampton.revenues-benefits', 'dorset.revenues-benefits'];
  const outcome = (participant: string | null, header?: string | string[]) => {
    try {
      return resolveParticipant({ participant }, header, served);
    } catch (error) {
      return `${(error as { status: number }).status} ${(error as { code: string }).code}: ${(error as Error).message}`;
    }
  };

  it("acts for the token's participant, with or without a header naming it", () => {
    expect(outcome('dorset.revenues-benefits')).toBe('dorset.revenues-benefits');
    expect(outcome('dorset.revenues-benefits', 'dorset.revenues-benefits')).toBe('dorset.revenues-benefits');
    expect(outcome('dorset.revenues-benefits', ' dorset.revenues-benefits ')).toBe('dorset.revenues-benefits');
  });

  it('refuses a header naming any other participant, served here or not, or naming several', () => {
    for (const header of ['southampton.revenues-benefits', 'elsewhere.revenues-benefits', '', ['dorset.revenues-benefits', 'dorset.revenues-benefits']]) {
      expect(outcome('dorset.revenues-benefits', header)).toMatch(/^403 participant-forbidden: Accord-Participant names a participant other than the token's/);
    }
  });

  it('refuses a token bound to no participant or to one this instance does not serve, whatever the header says', () => {
    expect(outcome(null)).toMatch(/^403 participant-forbidden: .*bound to none/);
    expect(outcome(null, 'dorset.revenues-benefits')).toMatch(/^403 participant-forbidden: .*bound to none/);
    expect(outcome('elsewhere.revenues-benefits', 'dorset.revenues-benefits')).toMatch(/^403 participant-forbidden: .*does not serve/);
  });
});
