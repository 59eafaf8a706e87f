import { describe, expect, it } from 'vitest';
import { subjectFromClaims } from '../../src/federation/attributes.js';

const mapping = { groupsClaim: 'groups', claims: { department: 'dept', email: 'email' } };

describe('subjectFromClaims', () => {
  it('maps sub, iss, the groups claim and the configured claims under their attribute names', () => {
    expect(
      subjectFromClaims(
        { sub: 'u1', iss: 'https://idp', groups: ['a', 'b'], dept: 'sales', email: 'u@x', other: 'dropped' },
        mapping,
      ),
    ).toEqual({
      sub: 'u1',
      iss: 'https://idp',
      groups: ['a', 'b'],
      claims: { department: 'sales', email: 'u@x' },
    });
  });

  it('takes a single group given as a string, drops non-string groups, and none when absent', () => {
    expect(subjectFromClaims({ sub: 'u', iss: 'i', groups: 'admins' }, mapping).groups).toEqual(['admins']);
    expect(
      subjectFromClaims({ sub: 'u', iss: 'i', groups: ['ok', 3, null, { g: 1 }] }, mapping).groups,
    ).toEqual(['ok']);
    expect(subjectFromClaims({ sub: 'u', iss: 'i', groups: 7 }, mapping).groups).toEqual([]);
    expect(subjectFromClaims({ sub: 'u', iss: 'i' }, mapping).groups).toEqual([]);
  });

  it('reads groups from the configured claim only (Entra ID "roles", say)', () => {
    const s = subjectFromClaims(
      { sub: 'u', iss: 'i', groups: ['x'], roles: ['r'] },
      { groupsClaim: 'roles', claims: {} },
    );
    expect(s.groups).toEqual(['r']);
  });

  it('leaves out a configured claim the token lacks, but keeps falsy values it has', () => {
    const s = subjectFromClaims({ sub: 'u', iss: 'i', dept: '', email: null }, mapping);
    expect(s.claims).toEqual({ department: '', email: null });
    expect(subjectFromClaims({ sub: 'u', iss: 'i' }, mapping).claims).toEqual({});
  });

  it('turns sub and iss into strings', () => {
    expect(subjectFromClaims({ sub: 42, iss: 'i' }, mapping)).toMatchObject({ sub: '42', iss: 'i' });
  });
});
