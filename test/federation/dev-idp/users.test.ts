import { describe, expect, it } from 'vitest';
import { DEMO_USERS, checkPassword, findUser } from '../../../src/federation/dev-idp/users.js';

describe('development IdP users', () => {
  it('the documented demo users, each with a department and groups', () => {
    expect(DEMO_USERS.map((u) => [u.sub, u.password, u.groups])).toEqual([
      ['alice', 'alice-demo', ['sales']],
      ['bob', 'bob-demo', ['hr']],
      ['carol', 'carol-demo', ['engineering']],
    ]);
    expect(findUser('bob')?.department).toBe('Human Resources');
    expect(findUser('mallory')).toBeUndefined();
    // findUser is exact: checkPassword is what normalizes a typed username.
    expect(findUser('Alice')).toBeUndefined();
  });

  it('checkPassword accepts the exact password, the username trimmed and in any case', () => {
    expect(checkPassword('alice', 'alice-demo')?.sub).toBe('alice');
    expect(checkPassword('  CAROL ', 'carol-demo')?.sub).toBe('carol');
  });

  it('refuses a wrong, longer, shorter or differently cased password, and unknown users', () => {
    for (const pw of ['alice-dem0', 'alice-demo ', 'alice-dem', '', 'ALICE-DEMO', 'bob-demo'])
      expect(checkPassword('alice', pw), pw).toBeUndefined();
    expect(checkPassword('mallory', 'alice-demo')).toBeUndefined();
    // A password that matches the prefix and pads with NULs is still wrong (length is compared).
    expect(checkPassword('alice', 'alice-demo\u0000')).toBeUndefined();
  });
});
