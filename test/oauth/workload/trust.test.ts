/** Workload trust rules (src/oauth/workload/trust.ts): SPIFFE-style patterns and rule matching. */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { matchRule, patternRegExp, type WorkloadIssuer } from '../../../src/oauth/workload/trust.js';

const issuer = (rules: WorkloadIssuer['rules']): WorkloadIssuer => ({
  issuer: 'https://platform.example',
  algorithms: ['ES256'],
  audiences: [],
  maxLifetimeSeconds: 3600,
  rules,
});

describe('patternRegExp', () => {
  it.each([
    ['spiffe://example.org/ns/*/sa/agent', 'spiffe://example.org/ns/prod/sa/agent', true],
    ['spiffe://example.org/ns/*/sa/agent', 'spiffe://example.org/ns/prod/x/sa/agent', false],
    ['spiffe://example.org/ns/*/sa/agent', 'spiffe://example.org/ns/prod/sa/agent2', false],
    ['spiffe://example.org/**', 'spiffe://example.org/ns/prod/sa/agent', true],
    ['spiffe://example.org/**', 'spiffe://example.org.evil/ns', false],
    ['repo:acme/app:ref:refs/heads/*', 'repo:acme/app:ref:refs/heads/main', true],
    ['repo:acme/app:ref:refs/heads/*', 'repo:acme/app:ref:refs/heads/feature/x', false],
    ['a.b', 'aXb', false],
    ['a(b)?', 'a(b)?', true],
    ['a(b)?', 'a', false],
  ])('%s against %s is %s', (pattern, sub, expected) => {
    expect(patternRegExp(pattern).test(sub)).toBe(expected);
  });

  it('a pattern without * matches exactly itself', () => {
    fc.assert(
      fc.property(
        fc.string().filter((s) => !s.includes('*')),
        fc.string(),
        (pattern, other) => {
          expect(patternRegExp(pattern).test(pattern)).toBe(true);
          if (other !== pattern) expect(patternRegExp(pattern).test(other)).toBe(false);
        },
      ),
      { seed: 1933 },
    );
  });

  it('a single * never spans a /', () => {
    fc.assert(
      fc.property(fc.string(), fc.string(), (left, right) => {
        expect(patternRegExp('p/*/q').test(`p/${left}/${right}/q`)).toBe(false);
      }),
      { seed: 1933 },
    );
  });
});

describe('matchRule', () => {
  const rules: WorkloadIssuer['rules'] = [
    { clientId: 'ci', sub: 'repo:acme/app', claims: { ref: 'refs/heads/main' }, groups: [] },
    { clientId: 'agents', subPattern: 'spiffe://example.org/ns/agents/*', claims: {}, groups: [] },
  ];
  it('takes the first rule whose sub and claims all match', () => {
    expect(matchRule(issuer(rules), 'repo:acme/app', { ref: 'refs/heads/main' })?.clientId).toBe('ci');
    expect(matchRule(issuer(rules), 'spiffe://example.org/ns/agents/a', {})?.clientId).toBe('agents');
  });
  it('a claim of another value or type, or missing, matches no rule', () => {
    expect(matchRule(issuer(rules), 'repo:acme/app', { ref: 'refs/heads/dev' })).toBeUndefined();
    expect(matchRule(issuer(rules), 'repo:acme/app', { ref: ['refs/heads/main'] })).toBeUndefined();
    expect(matchRule(issuer(rules), 'repo:acme/app', {})).toBeUndefined();
    expect(matchRule(issuer(rules), 'spiffe://example.org/ns/agents/a/b', {})).toBeUndefined();
  });
});
