import { bearerToken, Forbidden, isRole, ROLES } from './roles';

describe('bearerToken', () => {
  it('reads the token of an Authorization: Bearer header, any case, spaces around it', () => {
    expect(bearerToken('Bearer eyJ.a.b')).toBe('eyJ.a.b');
    expect(bearerToken('bearer \t eyJ.a.b  ')).toBe('eyJ.a.b');
  });

  it('is null for no header, another scheme, no token, or a token with spaces in it', () => {
    for (const header of [undefined, '', 'Basic dXNlcjpwYXNz', 'Bearer', 'Bearer ', 'Bearer a b', 'Bearereyj.a.b', 'Token eyJ.a.b']) {
      expect(bearerToken(header)).toBeNull();
    }
  });
});

describe('roles', () => {
  it('knows every role of docs/contract.md, "HTTP API", and the domain services read role, and nothing else', () => {
    expect([...ROLES].sort()).toEqual(['admin', 'auditor', 'consent-officer', 'governance', 'ops', 'publisher', 'reader']);
    expect(isRole('reader')).toBe(true);
    expect(isRole('Admin')).toBe(false);
    expect(isRole(['admin'])).toBe(false);
  });

  it('names the roles a forbidden caller lacks', () => {
    expect(new Forbidden(['governance', 'auditor'])).toMatchObject({ status: 403, code: 'forbidden', message: 'This needs one of the roles: governance, auditor' });
  });
});
