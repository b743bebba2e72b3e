import { randomInt } from 'node:crypto';
import { nhsNumberCheckDigit } from '@accord/contracts';

/** A valid NHS number (Modulus 11) nobody else in the test run is likely to use, so consent never leaks between tests. */
export function randomNhsNumber(): string {
  for (;;) {
    const first = String(randomInt(100_000_000, 999_999_999));
    const check = nhsNumberCheckDigit(first);
    if (check !== undefined) return `${first}${check}`;
  }
}

const NI_FIRST = 'ABCEGHJKLMNOPRSTWXYZ';
const NI_SECOND = 'ABCEGHJKLMNPRSTWXYZ';

/** A well-formed NI number (never one of the prefixes that are not allocated). */
export function randomNiNumber(): string {
  for (;;) {
    const prefix = NI_FIRST[randomInt(NI_FIRST.length)] + NI_SECOND[randomInt(NI_SECOND.length)];
    if (['BG', 'GB', 'KN', 'NK', 'NT', 'TN', 'ZZ'].includes(prefix)) continue;
    return `${prefix}${String(randomInt(0, 1_000_000)).padStart(6, '0')}${'ABCD'[randomInt(4)]}`;
  }
}
