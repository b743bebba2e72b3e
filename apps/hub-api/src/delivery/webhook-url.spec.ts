import { endpointOrigin, webhookUrlProblems } from './webhook-url';

describe('webhook endpoints', () => {
  it('accepts HTTPS anywhere and plain HTTP only to loopback outside production', () => {
    expect(webhookUrlProblems('https://partner.example.nhs.uk/hook?key=x', true)).toEqual([]);
    expect(webhookUrlProblems('http://127.0.0.1:8080/hook', false)).toEqual([]);
    expect(webhookUrlProblems('http://127.0.0.1:8080/hook', true)).toEqual([{ path: 'url', problem: 'must be an https:// URL' }]);
    expect(webhookUrlProblems('http://partner.example.nhs.uk/hook', false)).toHaveLength(1);
    expect(webhookUrlProblems('ftp://127.0.0.1/hook', false)).toHaveLength(1);
  });

  it('refuses what is not a URL, credentials and fragments, naming each', () => {
    expect(webhookUrlProblems('partner.example.nhs.uk', false)).toEqual([{ path: 'url', problem: 'must be an absolute https:// URL' }]);
    expect(webhookUrlProblems('https://user:secret@partner.example.nhs.uk/#top', false).map((problem) => problem.problem)).toEqual([
      'must not carry a user name or password',
      'must not have a fragment',
    ]);
  });

  it('shows ops the origin only', () => {
    expect(endpointOrigin('https://partner.example.nhs.uk:8443/hook?token=secret')).toBe('https://partner.example.nhs.uk:8443');
  });
});
