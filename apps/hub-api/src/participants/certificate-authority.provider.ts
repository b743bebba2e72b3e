import { readFile } from 'node:fs/promises';
import type { Provider } from '@nestjs/common';
import { CertificateAuthority, PkiError } from '@accord/pki';
import { certificateAuthorityFiles, type ParticipantSettings } from './participants.settings';

/**
 * The partnership CA, read once when hub-api starts: a missing, unreadable or mismatched
 * certificate and key stop the start with a line naming the setting (never the key).
 */
export async function loadCertificateAuthority(settings: ParticipantSettings): Promise<CertificateAuthority> {
  const files = certificateAuthorityFiles(settings);
  const read = (file: string, setting: string) =>
    readFile(file, 'utf8').catch(() => {
      throw new Error(`${setting}: cannot read the partnership CA file ${file}${settings[setting as keyof ParticipantSettings] ? '' : ' (the development default; npm run kafka start creates it)'}`);
    });
  const [certificatePem, keyPem] = await Promise.all([read(files.certificate, 'ACCORD_CA_CERT_FILE'), read(files.key, 'ACCORD_CA_KEY_FILE')]);
  try {
    return await CertificateAuthority.load(certificatePem, keyPem);
  } catch (error) {
    if (error instanceof PkiError) throw new Error(`ACCORD_CA_CERT_FILE and ACCORD_CA_KEY_FILE: ${error.message}`);
    throw error;
  }
}

export function certificateAuthorityProvider(settings: ParticipantSettings): Provider {
  return { provide: CertificateAuthority, useFactory: () => loadCertificateAuthority(settings) };
}
