import { CARE_HOME_YAML, careHome, validationContext } from '../test/fixtures';
import { parseAgreement, readAgreement, validateAgreement, type AgreementProblem } from './parse';

/** The care home agreement as plain JSON, for editing one thing at a time. */
function careHomeJson(): Record<string, any> {
  const { version: _version, ...agreement } = careHome;
  return JSON.parse(JSON.stringify(agreement));
}

function problemsOf(raw: unknown): AgreementProblem[] {
  const outcome = validateAgreement(raw, validationContext);
  if (outcome.ok) throw new Error('expected the agreement to be rejected');
  return outcome.problems;
}

describe('reading agreements', () => {
  it('accepts the care home agreement in YAML, inline comments included', () => {
    const outcome = readAgreement(CARE_HOME_YAML, 'yaml', validationContext);
    expect(outcome).toEqual({ ok: true, agreement: expect.objectContaining({ id: 'scc-asc-care-home-to-rb' }) });
    if (!outcome.ok) return;
    expect(outcome.agreement.validFrom).toBe('2026-04-01');
    expect(outcome.agreement.lawfulBasis.article9).toBeNull();
    expect(outcome.agreement.rules[0]!.transforms).toEqual({ 'subject.uprn': 'pseudonymise' });
    expect(Object.isFrozen(outcome.agreement.rules[0]!.fields)).toBe(true);
  });

  it('accepts the same agreement in JSON', () => {
    const outcome = readAgreement(JSON.stringify(careHomeJson()), 'json', validationContext);
    expect(outcome.ok).toBe(true);
  });

  it('reports a YAML syntax error with its line and without quoting the text', () => {
    const outcome = parseAgreement('id: secret-value\ntitle: [unclosed\nstatus: active\n', 'yaml');
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems[0]!.problem).toMatch(/^YAML syntax error \(.+\) at line \d+, column \d+$/);
    expect(JSON.stringify(outcome.problems)).not.toContain('secret-value');
  });

  it('reports duplicate YAML keys', () => {
    const outcome = parseAgreement('id: a\nid: b\n', 'yaml');
    expect(outcome).toEqual({ ok: false, problems: [{ path: '', problem: 'YAML syntax error (duplicate key) at line 2, column 1' }] });
  });

  it('reports a JSON syntax error with its line and column, without quoting the text', () => {
    const outcome = parseAgreement('{\n  "id": "x",\n  "title": }', 'json');
    expect(outcome.ok).toBe(false);
    if (outcome.ok) return;
    expect(outcome.problems[0]!.problem).toMatch(/^JSON syntax error/);
    expect(JSON.stringify(outcome.problems)).not.toContain('title');
  });

  it('rejects something that is not an object', () => {
    expect(problemsOf(['a list'])).toEqual([{ path: '', problem: 'must be an object, not a list' }]);
  });
});

describe('validating agreements: every problem, with its path', () => {
  const cases: Array<[string, (agreement: Record<string, any>) => void, AgreementProblem[]]> = [
    ['an unknown top-level key', (a) => (a.owner = 'me'), [{ path: 'owner', problem: 'unknown key' }]],
    [
      'an unknown nested key',
      (a) => (a.consent.safeguardingOveride = true),
      [{ path: 'consent.safeguardingOveride', problem: 'unknown key' }],
    ],
    ['an unknown key in a rule', (a) => (a.rules[0].field = []), [{ path: 'rules[0].field', problem: 'unknown key' }]],
    ['a missing key', (a) => delete a.reviewBy, [{ path: 'reviewBy', problem: 'is required' }]],
    ['a missing nested key', (a) => delete a.purpose.code, [{ path: 'purpose.code', problem: 'is required' }]],
    ['a wrong type', (a) => (a.title = 42), [{ path: 'title', problem: 'must be a string, not a number' }]],
    [
      'a value outside an enum',
      (a) => (a.status = 'live'),
      [{ path: 'status', problem: 'must be one of draft, active, suspended' }],
    ],
    [
      'an unknown consent basis',
      (a) => (a.consent.basis = 'implied'),
      [{ path: 'consent.basis', problem: 'must be one of none, explicit, objection' }],
    ],
    [
      'a non-boolean override',
      (a) => (a.consent.safeguardingOverride = 'yes'),
      [{ path: 'consent.safeguardingOverride', problem: 'must be true or false' }],
    ],
    [
      'an unknown article 9 condition',
      (a) => (a.lawfulBasis.article9 = 'because'),
      [{ path: 'lawfulBasis.article9', problem: expect.stringMatching(/^must be one of explicit-consent/) }],
    ],
    [
      'a retention that is not a whole number of days',
      (a) => (a.retention.days = 1.5),
      [{ path: 'retention.days', problem: 'must be a whole number of days, at least 1' }],
    ],
    [
      'an id outside [a-z0-9-]',
      (a) => (a.id = 'Care_Home'),
      [{ path: 'id', problem: 'must be 1 to 100 characters of lower-case a-z, 0-9 and -' }],
    ],
    [
      'an invalid participant id',
      (a) => (a.provider = 'Southampton'),
      [{ path: 'provider', problem: 'is not a participant id (<org>.<system>, lower-case a-z, 0-9 and -)' }],
    ],
    [
      'an unknown provider',
      (a) => (a.provider = 'portsmouth.adult-social-care'),
      [{ path: 'provider', problem: 'is not a registered participant' }],
    ],
    [
      'an unknown recipient',
      (a) => (a.recipients = ['southampton.revenues-benefits', 'nowhere.system']),
      [{ path: 'recipients[1]', problem: 'is not a registered participant' }],
    ],
    ['no recipients', (a) => (a.recipients = []), [{ path: 'recipients', problem: 'must not be empty' }]],
    [
      'a recipient listed twice',
      (a) => a.recipients.push('southampton.revenues-benefits'),
      [{ path: 'recipients[1]', problem: 'is listed twice' }],
    ],
    [
      'an unknown event type',
      (a) => (a.rules[0].eventType = 'asc.service.paused.v1'),
      [{ path: 'rules[0].eventType', problem: 'is not a known event type' }],
    ],
    [
      'an event type the provider may not publish',
      (a) => {
        a.rules[0].eventType = 'rb.housing-benefit.assessed.v1';
        a.rules[0].fields = ['subject.localId'];
        delete a.rules[0].when;
        delete a.rules[0].transforms;
      },
      [
        {
          path: 'rules[0].eventType',
          problem: 'may not be published by the provider (it belongs to revenues-benefits systems)',
        },
      ],
    ],
    [
      'a field path not in the schema',
      (a) => a.rules[0].fields.push('subject.shoeSize'),
      [{ path: 'rules[0].fields[5]', problem: 'is not a field of asc.service.started.v1' }],
    ],
    [
      'a field listed twice',
      (a) => a.rules[0].fields.push('serviceType'),
      [{ path: 'rules[0].fields[5]', problem: 'is listed twice' }],
    ],
    ['no fields', (a) => (a.rules[0].fields = []), [
      { path: 'rules[0].fields', problem: 'must not be empty' },
      { path: 'rules[0].transforms["subject.uprn"]', problem: 'transforms a field that is not in fields' },
    ]],
    ['no rules', (a) => (a.rules = []), [{ path: 'rules', problem: 'must not be empty' }]],
    [
      'a special category field without an article 9 basis',
      (a) => {
        a.rules[0].eventType = 'asc.assessment.completed.v1';
        a.rules[0].fields = ['subject.localId', 'assessmentType', 'primarySupportReason'];
        delete a.rules[0].when;
        delete a.rules[0].transforms;
      },
      [
        {
          path: 'rules[0].fields[2]',
          problem: 'is special category data; sharing it needs a lawfulBasis.article9 condition',
        },
      ],
    ],
    [
      'a transform on a field not in fields',
      (a) => (a.rules[0].transforms = { 'subject.postcode': 'postcode-district' }),
      [{ path: 'rules[0].transforms["subject.postcode"]', problem: 'transforms a field that is not in fields' }],
    ],
    [
      'an unknown transform',
      (a) => (a.rules[0].transforms = { 'subject.uprn': 'encrypt' }),
      [{ path: 'rules[0].transforms["subject.uprn"]', problem: 'must be one of pseudonymise, year-only, postcode-district' }],
    ],
    [
      'year-only on a field that is not a date',
      (a) => (a.rules[0].transforms = { serviceType: 'year-only' }),
      [{ path: 'rules[0].transforms["serviceType"]', problem: 'year-only applies only to dates and times' }],
    ],
    [
      'postcode-district on a field that is not a postcode',
      (a) => (a.rules[0].transforms = { 'subject.uprn': 'postcode-district' }),
      [{ path: 'rules[0].transforms["subject.uprn"]', problem: 'postcode-district applies only to postcodes' }],
    ],
    [
      'pseudonymise on a whole object',
      (a) => (a.rules[0].transforms = { 'subject.name': 'pseudonymise' }),
      [{ path: 'rules[0].transforms["subject.name"]', problem: 'pseudonymise does not apply to a object field' }],
    ],
    [
      'a CEL syntax error',
      (a) => (a.rules[0].when = "data.serviceType in ['long-term-residential'"),
      [{ path: 'rules[0].when', problem: expect.stringMatching(/^is not a valid CEL expression/) }],
    ],
    [
      'a CEL expression using a variable other than data and event',
      (a) => (a.rules[0].when = "person.age > 65"),
      [{ path: 'rules[0].when', problem: expect.stringMatching(/^is not a valid CEL expression \(.*person/) }],
    ],
    [
      'a CEL expression that is certainly not boolean',
      (a) => (a.rules[0].when = '1 + 2'),
      [{ path: 'rules[0].when', problem: 'must evaluate to a boolean, but evaluates to int' }],
    ],
    ['an empty CEL expression', (a) => (a.rules[0].when = ' '), [{ path: 'rules[0].when', problem: 'must be a non-empty CEL expression' }]],
    [
      'a matches pattern RE2 cannot run',
      (a) => (a.rules[0].when = "data.subject.localId.matches('^(?!scc-)')"),
      [{ path: 'rules[0].when', problem: expect.stringMatching(/^has a matches pattern that is not an RE2 regular expression/) }],
    ],
    [
      'comprehensions nested three deep',
      (a) => (a.rules[0].when = '[1, 2].all(x, [1, 2].all(y, [1, 2].all(z, x + y + z > 0)))'),
      [{ path: 'rules[0].when', problem: 'must nest comprehensions at most 2 deep, not 3' }],
    ],
    [
      'validUntil before validFrom',
      (a) => (a.validUntil = '2026-03-31'),
      [{ path: 'validUntil', problem: 'must not be before validFrom' }],
    ],
    [
      'a date that is not an ISO date',
      (a) => (a.validFrom = '01/04/2026'),
      [{ path: 'validFrom', problem: 'must be an ISO calendar date (YYYY-MM-DD)' }],
    ],
    [
      'a date that does not exist',
      (a) => (a.reviewBy = '2027-02-30'),
      [{ path: 'reviewBy', problem: 'must be an ISO calendar date (YYYY-MM-DD)' }],
    ],
    [
      'a date-time where a date is expected',
      (a) => (a.validUntil = '2028-03-31T00:00:00Z'),
      [{ path: 'validUntil', problem: 'must be an ISO calendar date (YYYY-MM-DD)' }],
    ],
  ];

  it.each(cases)('rejects %s', (_name, edit, expected) => {
    const agreement = careHomeJson();
    edit(agreement);
    expect(problemsOf(agreement)).toEqual(expected);
  });

  it('lists every problem at once, not just the first', () => {
    const agreement = careHomeJson();
    agreement.id = 'Bad Id';
    agreement.extra = 1;
    agreement.recipients = ['nowhere.system'];
    agreement.rules[0].fields.push('subject.shoeSize');
    agreement.rules[0].when = 'nope(';
    agreement.validUntil = '2020-01-01';
    expect(problemsOf(agreement).map((problem) => problem.path).sort()).toEqual(
      ['extra', 'id', 'recipients[0]', 'rules[0].fields[5]', 'rules[0].when', 'validUntil'].sort(),
    );
  });

  it('accepts special category fields with an article 9 basis and article9 left out when none are shared', () => {
    const withBasis = careHomeJson();
    withBasis.lawfulBasis.article9 = 'health-social-care';
    withBasis.rules[0] = { eventType: 'asc.assessment.completed.v1', fields: ['subject.localId', 'primarySupportReason'] };
    expect(validateAgreement(withBasis, validationContext).ok).toBe(true);

    const withoutArticle9 = careHomeJson();
    delete withoutArticle9.lawfulBasis.article9;
    const outcome = validateAgreement(withoutArticle9, validationContext);
    expect(outcome.ok && outcome.agreement.lawfulBasis.article9).toBeNull();
  });

  it('treats a parent path as special category when anything under it is', () => {
    // The subject has no special category children, so `subject` itself is fine without Art. 9.
    const agreement = careHomeJson();
    agreement.rules[0].fields.push('subject');
    expect(validateAgreement(agreement, validationContext).ok).toBe(true);
  });

  it('lets nhs.* types come from a participant of a non-council system only', () => {
    const agreement = careHomeJson();
    agreement.provider = 'uhs.discharge-hub';
    agreement.recipients = ['southampton.adult-social-care'];
    agreement.lawfulBasis.article9 = 'health-social-care';
    agreement.rules = [
      { eventType: 'nhs.hospital-discharge.notified.v1', fields: ['subject.localId', 'dischargePathway'] },
    ];
    expect(validateAgreement(agreement, validationContext).ok).toBe(true);
  });

  it('keeps only known keys, so the result cannot carry anything unvalidated', () => {
    const outcome = validateAgreement(careHomeJson(), validationContext);
    expect(outcome.ok).toBe(true);
    if (!outcome.ok) return;
    expect(Object.keys(outcome.agreement).sort()).toEqual(
      [
        'consent',
        'id',
        'lawfulBasis',
        'provider',
        'purpose',
        'recipients',
        'retention',
        'reviewBy',
        'rules',
        'status',
        'title',
        'validFrom',
        'validUntil',
      ].sort(),
    );
  });
});
