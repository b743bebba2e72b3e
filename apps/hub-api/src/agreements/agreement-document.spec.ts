import { stringify as toYaml } from 'yaml';
import { EVENT_CATALOG } from '@accord/governance';
import { agreementDigest, readSubmittedAgreement } from './agreement-document';
import { AgreementInvalid } from './agreements.errors';

const PARTICIPANTS = new Set(['southampton.adult-social-care', 'southampton.revenues-benefits']);
const context = { catalog: EVENT_CATALOG, participants: (id: string) => PARTICIPANTS.has(id) };

const DOCUMENT = {
  id: 'scc-asc-care-home-to-rb',
  title: 'Permanent care home placements to revenues and benefits',
  status: 'active',
  provider: 'southampton.adult-social-care',
  recipients: ['southampton.revenues-benefits'],
  purpose: { code: 'council-tax-and-hb-review', description: 'Review council tax and housing benefit' },
  lawfulBasis: { article6: 'public-task', article9: null, legislation: ['Local Government Finance Act 1992'] },
  validFrom: '2026-04-01',
  validUntil: '2028-03-31',
  reviewBy: '2027-03-31',
  consent: { basis: 'objection', nationalDataOptOut: 'exempt', safeguardingOverride: false },
  retention: { days: 365 },
  rules: [
    {
      eventType: 'asc.service.started.v1',
      when: "data.serviceType in ['long-term-residential', 'long-term-nursing']",
      fields: ['subject.localId', 'subject.uprn', 'serviceType', 'startDate'],
      transforms: { 'subject.uprn': 'pseudonymise' },
    },
  ],
};

function problemsOf(work: () => unknown): Array<{ path: string; problem: string }> {
  try {
    work();
  } catch (error) {
    expect(error).toBeInstanceOf(AgreementInvalid);
    return (error as AgreementInvalid).problems ?? [];
  }
  throw new Error('expected AgreementInvalid');
}

describe('readSubmittedAgreement and agreementDigest', () => {
  it('gives the same digest to the same document as JSON or YAML, whatever the key order or comments', () => {
    const fromJson = readSubmittedAgreement({ format: 'json', document: DOCUMENT }, context);
    const reordered = Object.fromEntries(Object.entries(DOCUMENT).reverse());
    const fromYaml = readSubmittedAgreement({ format: 'yaml', text: `# a comment\n${toYaml(reordered)}` }, context);
    expect(agreementDigest(fromYaml)).toBe(agreementDigest(fromJson));
    expect(agreementDigest(fromJson)).toMatch(/^[0-9a-f]{64}$/);
    // An absent article9 means none, exactly like null.
    const { article9: _omitted, ...basis } = DOCUMENT.lawfulBasis;
    expect(agreementDigest(readSubmittedAgreement({ format: 'json', document: { ...DOCUMENT, lawfulBasis: basis } }, context))).toBe(
      agreementDigest(fromJson),
    );
  });

  it('changes the digest with any change that matters, status included', () => {
    const digest = (document: object) => agreementDigest(readSubmittedAgreement({ format: 'json', document }, context));
    const base = digest(DOCUMENT);
    expect(digest({ ...DOCUMENT, status: 'suspended' })).not.toBe(base);
    expect(digest({ ...DOCUMENT, retention: { days: 366 } })).not.toBe(base);
  });

  it('adds a path/document id mismatch to the engine problems, all listed', () => {
    const problems = problemsOf(() =>
      readSubmittedAgreement({ format: 'json', document: { ...DOCUMENT, recipients: ['nobody.analytics'] } }, context, 'another-id'),
    );
    expect(problems).toEqual([
      { path: 'id', problem: 'must equal the agreement id in the path' },
      { path: 'recipients[0]', problem: 'is not a registered participant' },
    ]);
    expect(problemsOf(() => readSubmittedAgreement({ format: 'json', document: DOCUMENT }, context, 'another-id'))).toHaveLength(1);
  });

  it('reports YAML syntax errors by position without quoting the text', () => {
    const problems = problemsOf(() => readSubmittedAgreement({ format: 'yaml', text: 'id: x\nsecret: [9434765919\n' }, context));
    expect(problems.length).toBeGreaterThan(0);
    expect(JSON.stringify(problems)).not.toContain('9434765919');
  });

  it('refuses a body that is not an agreement at all', () => {
    expect(problemsOf(() => readSubmittedAgreement({ format: 'json', document: [] }, context))).toEqual([
      { path: '', problem: 'must be an object, not a list' },
    ]);
  });
});
