import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import type { KeyObject } from 'node:crypto';
import { AuditChainError, generateDevelopmentKeyPair, loadSigningKey } from '@accord/audit-chain';

/**
 * A development Ed25519 signing key kept in `file` (created on first use, mode 0600), so
 * that what it signed still verifies after a restart of `npm start`. Never for production:
 * the environments refuse to start there without a configured key.
 */
export function developmentSigningKey(file: string, what = 'audit signing key'): KeyObject {
  const path = resolve(file);
  try {
    return loadSigningKey(readFileSync(path, 'utf8'), what);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
      if (error instanceof AuditChainError) throw new Error(`the development ${what} in ${file} is not usable`);
      throw error;
    }
  }
  mkdirSync(dirname(path), { recursive: true });
  try {
    // 'wx': two apps starting at once must not overwrite each other's key.
    writeFileSync(path, generateDevelopmentKeyPair().privateKeyPem, { flag: 'wx', mode: 0o600 });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
  }
  chmodSync(path, 0o600);
  return loadSigningKey(readFileSync(path, 'utf8'), what);
}
