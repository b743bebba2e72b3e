import { MASTER_KEY, NOW, careHome, catalog, serviceStarted } from '../test/fixtures';
import {
  compileCondition,
  conditionProblems,
  MAX_COMPREHENSION_NESTING,
  MAX_COMPREHENSIONS,
  MAX_CONDITION_DATA,
  type ConditionContext,
  type ConditionFailure,
} from './condition';
import { evaluate, type RuleConditionFailure } from './evaluate';
import { MAX_PATTERN_LENGTH, MAX_PATTERN_PROGRAM_SIZE } from './re2';

const EVENT = { type: 'asc.service.started.v1', source: 'southampton.adult-social-care', time: '2026-11-28T10:00:00Z' };

/** Evaluates `expression` on `data` (a fresh object each call: outcomes are remembered per data object). */
function run(expression: string, data: Record<string, unknown>): { holds: boolean; failures: ConditionFailure[]; elapsed: number } {
  const failures: ConditionFailure[] = [];
  const context: ConditionContext = { data: { ...data }, event: EVENT };
  const condition = compileCondition(expression);
  const started = performance.now();
  const holds = condition(context, (failure) => failures.push(failure));
  return { holds, failures, elapsed: performance.now() - started };
}

const quote = (text: string) => `'${text.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;

describe('matches: RE2 semantics, linear time', () => {
  // Patterns both engines read the same way: the answers are those of the JavaScript RegExp used before.
  const ordinary: Array<[pattern: string, input: string]> = [
    ['^scc-asc-\\d+$', 'scc-asc-100234'],
    ['^scc-asc-\\d+$', 'scc-asc-100234x'],
    ['^SO1[4-9] ', 'SO16 7XX'],
    ['^SO1[4-9] ', 'SO13 7XX'],
    ['long-term-(residential|nursing)', 'long-term-nursing'],
    ['long-term-(residential|nursing)', 'long-term-respite'],
    ['nursing$', 'long-term-nursing'],
    ['^nursing', 'long-term-nursing'],
    ['[^a-z]', 'abc'],
    ['\\bterm\\b', 'long-term-care'],
    ['a.c', 'a\nc'],
    ['^\\w+@\\w+\\.org$', 'ops@example.org'],
    ['x{2,3}', 'axxb'],
    ['', 'anything'],
  ];

  it.each(ordinary)('answers %j on %j as the JavaScript RegExp does, in method and function form', (pattern, input) => {
    const expected = new RegExp(pattern).test(input);
    expect(run(`data.s.matches(${quote(pattern)})`, { s: input })).toMatchObject({ holds: expected, failures: [] });
    expect(run(`matches(data.s, ${quote(pattern)})`, { s: input })).toMatchObject({ holds: expected, failures: [] });
  });

  it('reads (?i) as case-insensitive, as RE2 does', () => {
    expect(run("data.s.matches('(?i)^long-TERM')", { s: 'Long-Term-Nursing' }).holds).toBe(true);
    expect(run("data.s.matches('^long-TERM')", { s: 'Long-Term-Nursing' }).holds).toBe(false);
  });

  it("decides '^(a+)+$' against 10,000 a's and a '!' without backtracking", () => {
    const { holds, elapsed } = run("data.subject.localId.matches('^(a+)+$')", { subject: { localId: `${'a'.repeat(10_000)}!` } });
    expect(holds).toBe(false);
    // A backtracking engine takes longer than the universe has existed; RE2 reads the input once.
    expect(elapsed).toBeLessThan(1000);
    expect(run("data.subject.localId.matches('^(a+)+$')", { subject: { localId: 'a'.repeat(10_000) } }).holds).toBe(true);
  });

  it('refuses on apply a pattern RE2 cannot compile, naming why without quoting it', () => {
    for (const pattern of ['(secret)\\1', '^(?=secret)', '(?<!secret)x', '[secret']) {
      const problems = conditionProblems(`data.s.matches(${quote(pattern)})`);
      expect(problems).toEqual([expect.stringMatching(/^has a matches pattern that is not an RE2 regular expression \(.+; backreferences and lookaround are not supported\)$/)]);
      expect(problems.join()).not.toContain('secret');
    }
  });

  it('refuses on apply a pattern too long or too large to run cheaply', () => {
    expect(conditionProblems(`data.s.matches(${quote('a'.repeat(MAX_PATTERN_LENGTH + 1))})`)).toEqual([
      `has a matches pattern that is longer than ${MAX_PATTERN_LENGTH} characters`,
    ]);
    expect(conditionProblems("matches(data.s, '[a-z]{1000}[0-9]{1000}')")).toEqual([
      `has a matches pattern that compiles to more than ${MAX_PATTERN_PROGRAM_SIZE} RE2 instructions`,
    ]);
  });

  it('never holds for a pattern from the event data that RE2 cannot compile, and reports the error', () => {
    // JavaScript's RegExp would say true here: the backreference matches.
    expect(new RegExp('(a)\\1').test('aa')).toBe(true);
    expect(run('data.s.matches(data.p)', { s: 'aa', p: '(a)\\1' })).toMatchObject({ holds: false, failures: [{ kind: 'error' }] });
    expect(run('data.s.matches(data.p)', { s: 'aa', p: 'a+' })).toMatchObject({ holds: true, failures: [] });
  });
});

describe('condition budget', () => {
  const list = (length: number) => Array.from({ length }, (_, index) => index);

  it('refuses on apply comprehensions nested deeper than the limit, naming it', () => {
    const threeDeep = 'data.l.all(x, data.l.all(y, data.l.all(z, x + y + z >= 0)))';
    expect(conditionProblems(threeDeep)).toEqual([`must nest comprehensions at most ${MAX_COMPREHENSION_NESTING} deep, not 3`]);
    // What was refused on apply never holds if it reaches the engine anyway, and says so.
    expect(run(threeDeep, { l: list(3) })).toMatchObject({ holds: false, failures: [{ kind: 'error' }] });
    // Chained comprehensions run one after the other: that is not nesting.
    expect(conditionProblems('data.l.filter(x, x > 1).map(x, x * 2).exists(x, x == 4)')).toEqual([]);
    expect(conditionProblems('data.l.exists(x, data.l.exists(y, x == y))')).toEqual([]);
  });

  it('refuses on apply more comprehensions than the limit, and too many nodes, naming the limit', () => {
    const many = Array.from({ length: MAX_COMPREHENSIONS + 1 }, (_, index) => `data.l.exists(x, x == ${index})`).join(' || ');
    expect(conditionProblems(many)).toEqual([
      `must use at most ${MAX_COMPREHENSIONS} comprehensions (all, exists, exists_one, map, filter), not ${MAX_COMPREHENSIONS + 1}`,
    ]);
    const huge = `data.n == ${Array.from({ length: 1100 }, () => '1').join('+')}`;
    expect(conditionProblems(huge)).toEqual([expect.stringContaining('Exceeded maxAstNodes (2000)')]);
  });

  it('lists every problem of an expression at once', () => {
    const both = `data.l.all(x, data.l.all(y, data.l.all(z, data.s.matches('(a)\\\\1'))))`;
    expect(conditionProblems(both)).toHaveLength(2);
  });

  it('stops a nested comprehension of a hundred million steps: it does not hold, and is reported over budget', () => {
    const { holds, failures, elapsed } = run('data.l.exists(x, data.l.exists(y, x + y < 0))', { l: list(10_000) });
    expect(holds).toBe(false);
    expect(failures).toEqual([{ kind: 'over-budget', ms: expect.any(Number) }]);
    expect(elapsed).toBeLessThan(1000);
  });

  it('cannot be talked out of the budget: an error absorbed by || or exists still leaves the condition false', () => {
    const absorbed = run('data.l.exists(x, data.l.exists(y, x + y < 0)) || true', { l: list(10_000) });
    expect(absorbed).toMatchObject({ holds: false, failures: [{ kind: 'over-budget' }] });
    // Unbounded, this holds at x = 9999; `exists` ignores a step's error when another step holds.
    const inside = run('data.l.exists(x, x == 9999 || data.l.exists(y, x + y < 0))', { l: list(10_000) });
    expect(inside).toMatchObject({ holds: false, failures: [{ kind: 'over-budget' }] });
  });

  it('charges large values by their size: doubling a list with cel.bind runs out of budget, not of memory', () => {
    let doubled = 'size(v20) > 0';
    for (let index = 19; index >= 0; index--) doubled = `cel.bind(v${index + 1}, v${index} + v${index}, ${doubled})`;
    const expression = `cel.bind(v0, data.l, ${doubled})`;
    expect(conditionProblems(expression)).toEqual([]);
    const { holds, failures, elapsed } = run(expression, { l: list(1000) });
    expect(holds).toBe(false);
    expect(failures).toEqual([{ kind: 'over-budget', ms: expect.any(Number) }]);
    expect(elapsed).toBeLessThan(1000);
  });

  it('decides the same on a starved machine: a slow evaluation within its cost budget still holds', () => {
    // Every clock reading half a second after the last: each evaluation "takes" 500 ms.
    let clock = 0;
    const now = jest.spyOn(performance, 'now').mockImplementation(() => (clock += 500));
    try {
      expect(run("data.serviceType in ['long-term-residential', 'long-term-nursing']", { serviceType: 'long-term-nursing' })).toMatchObject({
        holds: true,
        failures: [],
      });
      expect(run('data.l.exists(x, x == 999)', { l: list(1000) })).toMatchObject({ holds: true, failures: [] });
    } finally {
      now.mockRestore();
    }
  });

  it('lets ordinary conditions through, on ordinary and on large data', () => {
    expect(run("data.serviceType in ['long-term-residential', 'long-term-nursing']", { serviceType: 'long-term-nursing' })).toMatchObject({
      holds: true,
      failures: [],
    });
    expect(run('data.l.exists(x, x == 999)', { l: list(1000) })).toMatchObject({ holds: true, failures: [] });
    expect(run("data.note.contains('needle')", { note: `${'x'.repeat(16_000)}needle` })).toMatchObject({ holds: true, failures: [] });
  });

  it.each([
    ["has(data.subject.nhsNumber) && !has(data.subject.niNumber)", true],
    ['data.l.filter(x, x > 1).map(x, x * 2.0) == [4.0, 6.0]', true],
    ['data.l.exists_one(x, x == 2) && data.l.all(x, x < 4)', true],
    ["cel.bind(kind, data.kind, kind == 'nursing' ? size(data.l) == 3 : false)", true],
    ["{'a': data.l}.a[0] == 1 && 'nursing' in ['nursing', 'residential']", true],
    ['data.l.exists(x, data.l.exists(y, x + y == 7))', false],
  ])('evaluates %s as before: %s', (expression, expected) => {
    const data = { subject: { nhsNumber: '9434765919' }, kind: 'nursing', l: [1, 2, 3] };
    expect(conditionProblems(expression)).toEqual([]);
    expect(run(expression, data)).toMatchObject({ holds: expected, failures: [] });
  });

  it('does not evaluate data beyond its bounds: too long a string, too deep or too many values', () => {
    const overBudget = { holds: false, failures: [{ kind: 'over-budget', ms: 0 }] };
    expect(run('size(data.s) > 0', { s: 'x'.repeat(MAX_CONDITION_DATA.stringLength + 1) })).toMatchObject(overBudget);
    let deep: Record<string, unknown> = { leaf: true };
    for (let level = 0; level < MAX_CONDITION_DATA.depth; level++) deep = { deep };
    expect(run('true', { deep })).toMatchObject(overBudget);
    expect(run('true', { l: list(MAX_CONDITION_DATA.values) })).toMatchObject(overBudget);
  });

  it('reports an evaluation error or a non-boolean value, and nothing when the condition simply does not hold', () => {
    expect(run("data.missing == 'x'", {})).toMatchObject({ holds: false, failures: [{ kind: 'error' }] });
    expect(run('data.serviceType', { serviceType: 'community' })).toMatchObject({ holds: false, failures: [{ kind: 'error' }] });
    expect(run("data.serviceType == 'x'", { serviceType: 'community' })).toMatchObject({ holds: false, failures: [] });
  });
});

describe('condition failures reported by evaluate', () => {
  it('names the agreement, version and rule, never the data, and withholds (condition-not-met)', () => {
    const agreement = {
      ...careHome,
      version: 3,
      rules: [
        { ...careHome.rules[0]!, when: "data.serviceType == 'community'" },
        { ...careHome.rules[0]!, when: "data.subject.localId.matches('^(a+)+$') || data.missing == 1" },
      ],
    };
    const event = serviceStarted({ subject: { localId: `${'a'.repeat(5000)}!` } });
    const failures: RuleConditionFailure[] = [];
    const decision = evaluate({
      event,
      agreement,
      recipient: agreement.recipients[0]!,
      consents: [],
      now: NOW,
      catalog,
      pseudonymMasterKey: MASTER_KEY,
      onConditionFailure: (failure) => failures.push(failure),
    });
    expect(decision).toMatchObject({ outcome: 'withheld', reasons: ['condition-not-met'] });
    expect(failures).toEqual([{ agreementId: agreement.id, agreementVersion: 3, rule: 1, kind: 'error', ms: expect.any(Number) }]);
  });
});
