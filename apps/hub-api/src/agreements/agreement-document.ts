import { createHash } from 'node:crypto';
import { canonicalJson } from '@accord/contracts';
import { parseAgreement, validateAgreement, type Agreement, type AgreementProblem, type ValidationContext } from '@accord/governance';
import { AgreementInvalid } from './agreements.errors';

/** What a client sent: YAML text, or a JSON body Nest already parsed. */
export type AgreementSubmission = { format: 'yaml'; text: string } | { format: 'json'; document: unknown };

/**
 * Reads and validates a submitted agreement with the governance engine, listing every
 * problem; with `pathId`, the document's `id` must also equal it. Throws AgreementInvalid
 * (422) rather than returning problems, so nothing downstream can store an invalid one.
 */
export function readSubmittedAgreement(submission: AgreementSubmission, context: ValidationContext, pathId?: string): Agreement {
  let raw: unknown;
  if (submission.format === 'yaml') {
    const parsed = parseAgreement(submission.text, 'yaml');
    if (!parsed.ok) throw new AgreementInvalid(parsed.problems);
    raw = parsed.raw;
  } else {
    raw = submission.document;
  }
  const outcome = validateAgreement(raw, context);
  const problems: AgreementProblem[] = outcome.ok ? [] : [...outcome.problems];
  const documentId = typeof raw === 'object' && raw !== null ? (raw as { id?: unknown }).id : undefined;
  if (pathId !== undefined && typeof documentId === 'string' && documentId !== pathId) {
    problems.unshift({ path: 'id', problem: 'must equal the agreement id in the path' });
  }
  if (!outcome.ok || problems.length > 0) throw new AgreementInvalid(problems);
  return outcome.agreement;
}

/**
 * SHA-256 of the canonical JSON (sorted keys, no whitespace) of a validated agreement:
 * the same document sent as YAML or JSON, with comments or keys in another order, has
 * the same digest, so re-applying it is recognised as no change.
 */
export function agreementDigest(agreement: Agreement): string {
  return createHash('sha256').update(canonicalJson(agreement), 'utf8').digest('hex');
}
