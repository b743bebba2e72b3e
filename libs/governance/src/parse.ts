import { parseDocument } from 'yaml';
import { isParticipantId } from '@accord/contracts';
import {
  AGREEMENT_ID,
  AGREEMENT_STATUSES,
  ARTICLE6_BASES,
  ARTICLE9_CONDITIONS,
  CONSENT_BASES,
  NATIONAL_OPT_OUT_SETTINGS,
  TRANSFORM_NAMES,
  isIsoDate,
  type Agreement,
  type AgreementRule,
  type TransformName,
} from './agreement';
import type { CatalogEventType, CatalogField, EventTypeCatalog } from './catalog';
import { conditionProblems } from './condition';

/**
 * Reading and validating agreements (docs/contract.md, "Agreements"). Validation lists
 * every problem with its path (`rules[0].fields[2]`) and never echoes the submitted
 * values back, so nothing an author pasted by mistake ends up in an error body or a
 * log.
 */

export interface AgreementProblem {
  readonly path: string;
  readonly problem: string;
}

export type AgreementFormat = 'yaml' | 'json';

export type ParseOutcome = { ok: true; raw: unknown } | { ok: false; problems: AgreementProblem[] };

export type ValidationOutcome = { ok: true; agreement: Agreement } | { ok: false; problems: AgreementProblem[] };

export interface ValidationContext {
  readonly catalog: EventTypeCatalog;
  /** Whether a participant with this id is registered. */
  readonly participants: (participantId: string) => boolean;
}

/** Parses the text only; `validateAgreement` judges what it says. Problems carry line and column, not content. */
export function parseAgreement(text: string, format: AgreementFormat): ParseOutcome {
  if (format === 'json') {
    try {
      return { ok: true, raw: JSON.parse(text) as unknown };
    } catch (error) {
      return { ok: false, problems: [{ path: '', problem: jsonProblem(text, error) }] };
    }
  }
  const document = parseDocument(text, { uniqueKeys: true });
  if (document.errors.length > 0) {
    return {
      ok: false,
      problems: document.errors.map((error) => {
        const position = error.linePos?.[0];
        const where = position ? ` at line ${position.line}, column ${position.col}` : '';
        // The library's code, not its message: the message quotes the offending source line.
        return { path: '', problem: `YAML syntax error (${error.code.toLowerCase().replace(/_/g, ' ')})${where}` };
      }),
    };
  }
  try {
    return { ok: true, raw: document.toJS({ maxAliasCount: 100 }) as unknown };
  } catch {
    return { ok: false, problems: [{ path: '', problem: 'YAML could not be read (too many or unresolved aliases)' }] };
  }
}

function jsonProblem(text: string, error: unknown): string {
  const message = error instanceof Error ? error.message : '';
  const position = /at position (\d+)/.exec(message);
  if (position) {
    const offset = Number(position[1]);
    const before = text.slice(0, offset);
    const line = before.split('\n').length;
    const column = offset - before.lastIndexOf('\n');
    return `JSON syntax error at line ${line}, column ${column}`;
  }
  if (/end of JSON input/.test(message)) return 'JSON syntax error: unexpected end of input';
  return 'JSON syntax error';
}

/** Parses and validates in one step, as `PUT /v1/agreements/{id}` does. */
export function readAgreement(text: string, format: AgreementFormat, context: ValidationContext): ValidationOutcome {
  const parsed = parseAgreement(text, format);
  return parsed.ok ? validateAgreement(parsed.raw, context) : parsed;
}

type Shape = Record<string, 'required' | 'optional'>;

const AGREEMENT_SHAPE: Shape = {
  id: 'required',
  title: 'required',
  status: 'required',
  provider: 'required',
  recipients: 'required',
  purpose: 'required',
  lawfulBasis: 'required',
  validFrom: 'required',
  validUntil: 'required',
  reviewBy: 'required',
  consent: 'required',
  retention: 'required',
  rules: 'required',
};
const PURPOSE_SHAPE: Shape = { code: 'required', description: 'required' };
// article9 may be left out, which means no Art. 9 condition (the same as null).
const LAWFUL_BASIS_SHAPE: Shape = { article6: 'required', article9: 'optional', legislation: 'required' };
const CONSENT_SHAPE: Shape = { basis: 'required', nationalDataOptOut: 'required', safeguardingOverride: 'required' };
const RETENTION_SHAPE: Shape = { days: 'required' };
const RULE_SHAPE: Shape = { eventType: 'required', when: 'optional', fields: 'required', transforms: 'optional' };

const MAX_ID_LENGTH = 100;

/** Kinds whose values a keyed hash can stand in for; booleans and structures would leak or be meaningless. */
const PSEUDONYMISABLE_KINDS: ReadonlySet<string> = new Set(['string', 'number', 'integer', 'enum', 'date', 'datetime']);

const describe = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value === 'object' ? 'an object' : `a ${typeof value}`;

class Checker {
  readonly problems: AgreementProblem[] = [];

  report(path: string, problem: string): void {
    this.problems.push({ path, problem });
  }

  /** The object at `path` with its unknown and missing keys reported, or undefined when it is not an object. */
  object(value: unknown, path: string, shape: Shape): Record<string, unknown> | undefined {
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      this.report(path, `must be an object, not ${describe(value)}`);
      return undefined;
    }
    const record = value as Record<string, unknown>;
    for (const key of Object.keys(record)) {
      if (!Object.prototype.hasOwnProperty.call(shape, key)) this.report(at(path, key), 'unknown key');
    }
    for (const [key, presence] of Object.entries(shape)) {
      if (presence === 'required' && record[key] === undefined) this.report(at(path, key), 'is required');
    }
    return record;
  }

  string(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined; // reported as missing by `object`
    if (typeof value !== 'string' || value.trim() === '') {
      this.report(path, typeof value === 'string' ? 'must not be empty' : `must be a string, not ${describe(value)}`);
      return undefined;
    }
    return value;
  }

  oneOf<T extends string>(value: unknown, path: string, allowed: readonly T[]): T | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
      this.report(path, `must be one of ${allowed.join(', ')}`);
      return undefined;
    }
    return value as T;
  }

  date(value: unknown, path: string): string | undefined {
    if (value === undefined) return undefined;
    if (typeof value !== 'string' || !isIsoDate(value)) {
      this.report(path, 'must be an ISO calendar date (YYYY-MM-DD)');
      return undefined;
    }
    return value;
  }

  list(value: unknown, path: string, nonEmpty: boolean): unknown[] | undefined {
    if (value === undefined) return undefined;
    if (!Array.isArray(value)) {
      this.report(path, `must be a list, not ${describe(value)}`);
      return undefined;
    }
    if (nonEmpty && value.length === 0) this.report(path, 'must not be empty');
    return value;
  }

  participant(value: unknown, path: string, known: (id: string) => boolean): string | undefined {
    const id = this.string(value, path);
    if (id === undefined) return undefined;
    if (!isParticipantId(id)) {
      this.report(path, 'is not a participant id (<org>.<system>, lower-case a-z, 0-9 and -)');
      return undefined;
    }
    if (!known(id)) {
      this.report(path, 'is not a registered participant');
      return undefined;
    }
    return id;
  }
}

const at = (parent: string, key: string): string => (parent === '' ? key : `${parent}.${key}`);
const item = (parent: string, index: number): string => `${parent}[${index}]`;
/** Transform keys are field paths with dots, so they are quoted to keep the path readable. */
const entry = (parent: string, key: string): string => `${parent}[${JSON.stringify(key)}]`;

/**
 * Validates untrusted input against the agreement format, the event catalogue and the
 * participant registry, listing every problem. On success the agreement is a fresh,
 * frozen object holding only the known keys.
 */
export function validateAgreement(raw: unknown, context: ValidationContext): ValidationOutcome {
  const check = new Checker();
  const root = check.object(raw, '', AGREEMENT_SHAPE);
  if (!root) return { ok: false, problems: check.problems };

  const id = check.string(root.id, 'id');
  if (id !== undefined && (!AGREEMENT_ID.test(id) || id.length > MAX_ID_LENGTH)) {
    check.report('id', `must be 1 to ${MAX_ID_LENGTH} characters of lower-case a-z, 0-9 and -`);
  }
  const title = check.string(root.title, 'title');
  const status = check.oneOf(root.status, 'status', AGREEMENT_STATUSES);
  const provider = check.participant(root.provider, 'provider', context.participants);

  const recipientList = check.list(root.recipients, 'recipients', true) ?? [];
  const recipients: string[] = [];
  recipientList.forEach((value, index) => {
    const recipient = check.participant(value, item('recipients', index), context.participants);
    if (recipient === undefined) return;
    if (recipients.includes(recipient)) check.report(item('recipients', index), 'is listed twice');
    else recipients.push(recipient);
  });

  const purposeRecord = root.purpose === undefined ? undefined : check.object(root.purpose, 'purpose', PURPOSE_SHAPE);
  const purposeCode = check.string(purposeRecord?.code, 'purpose.code');
  const purposeDescription = check.string(purposeRecord?.description, 'purpose.description');

  const basisRecord =
    root.lawfulBasis === undefined ? undefined : check.object(root.lawfulBasis, 'lawfulBasis', LAWFUL_BASIS_SHAPE);
  const article6 = check.oneOf(basisRecord?.article6, 'lawfulBasis.article6', ARTICLE6_BASES);
  const article9Raw = basisRecord?.article9;
  const article9 =
    article9Raw === undefined || article9Raw === null
      ? null
      : check.oneOf(article9Raw, 'lawfulBasis.article9', ARTICLE9_CONDITIONS);
  // An invalid article9 is reported once, above, not again for every special category field.
  const hasArticle9 = article9Raw !== undefined && article9Raw !== null;
  const legislation: string[] = [];
  (check.list(basisRecord?.legislation, 'lawfulBasis.legislation', false) ?? []).forEach((value, index) => {
    const law = check.string(value, item('lawfulBasis.legislation', index));
    if (law !== undefined) legislation.push(law);
  });

  const validFrom = check.date(root.validFrom, 'validFrom');
  const validUntil = check.date(root.validUntil, 'validUntil');
  const reviewBy = check.date(root.reviewBy, 'reviewBy');
  if (validFrom !== undefined && validUntil !== undefined && validUntil < validFrom) {
    check.report('validUntil', 'must not be before validFrom');
  }

  const consentRecord = root.consent === undefined ? undefined : check.object(root.consent, 'consent', CONSENT_SHAPE);
  const basis = check.oneOf(consentRecord?.basis, 'consent.basis', CONSENT_BASES);
  const nationalDataOptOut = check.oneOf(
    consentRecord?.nationalDataOptOut,
    'consent.nationalDataOptOut',
    NATIONAL_OPT_OUT_SETTINGS,
  );
  const overrideRaw = consentRecord?.safeguardingOverride;
  if (overrideRaw !== undefined && typeof overrideRaw !== 'boolean') {
    check.report('consent.safeguardingOverride', 'must be true or false');
  }

  const retentionRecord =
    root.retention === undefined ? undefined : check.object(root.retention, 'retention', RETENTION_SHAPE);
  const days = retentionRecord?.days;
  if (days !== undefined && !(typeof days === 'number' && Number.isInteger(days) && days > 0)) {
    check.report('retention.days', 'must be a whole number of days, at least 1');
  }

  const rules: AgreementRule[] = [];
  (check.list(root.rules, 'rules', true) ?? []).forEach((value, index) => {
    const rule = validateRule(check, value, item('rules', index), { provider, hasArticle9, catalog: context.catalog });
    if (rule) rules.push(rule);
  });

  if (check.problems.length > 0) return { ok: false, problems: check.problems };
  // Every value below was checked above; the assertions only tell the compiler so.
  const agreement: Agreement = deepFreeze({
    id: id!,
    title: title!,
    status: status!,
    provider: provider!,
    recipients,
    purpose: { code: purposeCode!, description: purposeDescription! },
    lawfulBasis: { article6: article6!, article9: article9 ?? null, legislation },
    validFrom: validFrom!,
    validUntil: validUntil!,
    reviewBy: reviewBy!,
    consent: { basis: basis!, nationalDataOptOut: nationalDataOptOut!, safeguardingOverride: overrideRaw as boolean },
    retention: { days: days as number },
    rules,
  });
  return { ok: true, agreement };
}

function validateRule(
  check: Checker,
  value: unknown,
  path: string,
  context: { provider: string | undefined; hasArticle9: boolean; catalog: EventTypeCatalog },
): AgreementRule | undefined {
  const record = check.object(value, path, RULE_SHAPE);
  if (!record) return undefined;
  const problemsBefore = check.problems.length;

  const eventType = check.string(record.eventType, at(path, 'eventType'));
  let spec: CatalogEventType | undefined;
  if (eventType !== undefined) {
    spec = context.catalog.get(eventType);
    if (!spec) check.report(at(path, 'eventType'), 'is not a known event type');
    else if (context.provider !== undefined && !context.catalog.mayPublish(context.provider, eventType)) {
      check.report(at(path, 'eventType'), `may not be published by the provider (it belongs to ${spec.publisherSystem} systems)`);
    }
  }

  let when: string | undefined;
  if (record.when !== undefined) {
    if (typeof record.when !== 'string') check.report(at(path, 'when'), `must be a string, not ${describe(record.when)}`);
    else {
      const problems = conditionProblems(record.when);
      for (const problem of problems) check.report(at(path, 'when'), problem);
      if (problems.length === 0) when = record.when;
    }
  }

  const fields: string[] = [];
  const fieldsPath = at(path, 'fields');
  (check.list(record.fields, fieldsPath, true) ?? []).forEach((fieldValue, index) => {
    const fieldPath = item(fieldsPath, index);
    const field = check.string(fieldValue, fieldPath);
    if (field === undefined) return;
    if (fields.includes(field)) {
      check.report(fieldPath, 'is listed twice');
      return;
    }
    fields.push(field);
    if (!spec) return; // an unknown type is reported once, at eventType
    if (!spec.fields.has(field)) {
      check.report(fieldPath, `is not a field of ${spec.type}`);
      return;
    }
    if (!context.hasArticle9 && isSpecialCategory(spec, field)) {
      check.report(fieldPath, 'is special category data; sharing it needs a lawfulBasis.article9 condition');
    }
  });

  const transforms: Record<string, TransformName> = {};
  const transformsPath = at(path, 'transforms');
  if (record.transforms !== undefined) {
    const transformRecord = record.transforms;
    if (typeof transformRecord !== 'object' || transformRecord === null || Array.isArray(transformRecord)) {
      check.report(transformsPath, `must be an object of field path to transform, not ${describe(transformRecord)}`);
    } else {
      for (const [field, name] of Object.entries(transformRecord as Record<string, unknown>)) {
        const transformPath = entry(transformsPath, field);
        const transform = check.oneOf(name, transformPath, TRANSFORM_NAMES);
        if (!fields.includes(field)) {
          check.report(transformPath, 'transforms a field that is not in fields');
          continue;
        }
        const catalogField = spec?.fields.get(field);
        if (transform === undefined || !catalogField) continue;
        const misfit = transformMisfit(transform, catalogField);
        if (misfit) check.report(transformPath, misfit);
        else Object.defineProperty(transforms, field, { value: transform, enumerable: true });
      }
    }
  }

  if (check.problems.length > problemsBefore || eventType === undefined) return undefined;
  return {
    eventType,
    ...(when === undefined ? {} : { when }),
    fields,
    ...(record.transforms === undefined ? {} : { transforms }),
  };
}

/** Special category when the field is, or, for a parent path like `subject`, when anything under it is. */
function isSpecialCategory(spec: CatalogEventType, field: string): boolean {
  if (spec.fields.get(field)?.specialCategory) return true;
  const prefix = field + '.';
  for (const [path, candidate] of spec.fields) {
    if (candidate.specialCategory && path.startsWith(prefix)) return true;
  }
  return false;
}

function transformMisfit(transform: TransformName, field: CatalogField): string | undefined {
  switch (transform) {
    case 'year-only':
      return field.kind === 'date' || field.kind === 'datetime' ? undefined : 'year-only applies only to dates and times';
    case 'postcode-district':
      // The catalogue types postcodes as strings, so the field name is what says it is one.
      return field.path.split('.').pop() === 'postcode' ? undefined : 'postcode-district applies only to postcodes';
    case 'pseudonymise':
      return PSEUDONYMISABLE_KINDS.has(field.kind) ? undefined : `pseudonymise does not apply to a ${field.kind} field`;
  }
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
