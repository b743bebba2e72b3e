import { subscriptionPattern } from './broker-consumer';

describe('subscriptionPattern', () => {
  it('by default takes every participant’s events topic and nothing else', () => {
    const pattern = subscriptionPattern('^accord\\.events\\.[a-z0-9-]+\\.[a-z0-9-]+$');
    expect(pattern.test('accord.events.southampton.adult-social-care')).toBe(true);
    expect(pattern.test('accord.inbox.southampton.adult-social-care')).toBe(false);
    expect(pattern.test('accord.dlq')).toBe(false);
  });

  it('narrows to the configured pattern, and never beyond events topics', () => {
    const pattern = subscriptionPattern('^accord\\.events\\.e2e1a2b3-');
    expect(pattern.test('accord.events.e2e1a2b3-uhs.discharge-hub')).toBe(true);
    expect(pattern.test('accord.events.uhs.discharge-hub')).toBe(false);
    const unanchored = subscriptionPattern('adult-social-care');
    expect(unanchored.test('accord.events.southampton.adult-social-care')).toBe(true);
    expect(unanchored.test('accord.inbox.southampton.adult-social-care')).toBe(false);
    expect(subscriptionPattern('.*').test('accord.events.a.b.c')).toBe(false);
  });

  it('is stateless (no global flag): the same topic matches every time', () => {
    const pattern = subscriptionPattern('.');
    expect([1, 2, 3].map(() => pattern.test('accord.events.a.b'))).toEqual([true, true, true]);
  });
});
