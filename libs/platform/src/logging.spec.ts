import pino from 'pino';
import { loggerOptions } from './logging';

function capture(): { logger: pino.Logger; lines: () => string[] } {
  const chunks: string[] = [];
  const stream = { write: (chunk: string) => chunks.push(chunk) };
  return { logger: pino(loggerOptions('test', 'debug'), stream), lines: () => chunks };
}

describe('the redacting logger', () => {
  const nhsNumber = '9434765919';
  const niNumber = 'QQ123456C';

  it('removes personal data from structured fields at any depth', () => {
    const { logger, lines } = capture();
    logger.info({ subject: { nhsNumber, name: { given: 'Ada', family: 'Lovelace' } } }, 'event received');
    logger.info({ event: { data: { subject: { localId: 'p-1', nhsNumber } } } }, 'nested');
    logger.info({ request: { nhsNumber, niNumber, dateOfBirth: '1950-01-01', postcode: 'SO16 7XX' } }, 'flat');
    const output = lines().join('');
    for (const value of [nhsNumber, niNumber, 'Lovelace', '1950-01-01', 'SO16 7XX']) expect(output).not.toContain(value);
    expect(output).toContain('event received');
  });

  it('scrubs identifiers from free text and from URLs', () => {
    const { logger, lines } = capture();
    logger.warn(`lookup failed for ${nhsNumber} / 943 476 5919 / ${niNumber} / QQ 12 34 56 C`);
    logger.info({ url: `/v1/audit/decisions?nhsNumber=${nhsNumber}&outcome=shared` }, 'request');
    const output = lines().join('');
    expect(output).not.toMatch(/9434765919|943 476 5919|QQ123456C|QQ 12 34 56 C/);
    expect(output).toContain('outcome=shared');
  });

  it('writes one JSON object per line with the service and level', () => {
    const { logger, lines } = capture();
    logger.info('hello');
    const entry = JSON.parse(lines()[0]);
    expect(entry).toMatchObject({ service: 'test', level: 'info', message: 'hello' });
  });
});
