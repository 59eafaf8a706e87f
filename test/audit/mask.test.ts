import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalize } from '../../src/audit/json-canonicalization.js';
import { MASK, looksSecret, mask, maskCanonical } from '../../src/audit/mask.js';
import { fakeJws } from './fixtures.js';

const jws = fakeJws();
const jwe =
  'eyJhbGciOiJSU0EtT0FFUCIsImVuYyI6IkEyNTZHQ00ifQ.OKOawDo13gRp2ojaHV7LFpZcgV7T6DVZKTyKOMTYUmKoTCVJRgckCL9kiMT03JGeipsEdY3mx_etLbbWSrFr05kLzcSr4qKAq7YN7e9jwQRb23nfa6c9d-StnImGyFDbSv04uVuxIp5Zms1gNxKKK2Da14B8S4rzVRltdYwam_lDp5XnZAYpQdb76FdIKLaVmqgfwX7XWRxv2322i-vDxRfqNzo_tETKzpVLzfiwQyeyPGLBIO56YJ7eObdv0je81860ppamavo35UgoRdbYaBcoh9QcfylQr66oc6vFWXRcZ_ZT2LawVCWTIy3brGPi6UklfCpIMfIjf7iGdXKHzg.48V1_ALb6US04U3b.5eym8TW_c8SuK0ltJ3rpYIzOeDQz7TALvtu6UG9oMo4vpzs9tX_EFShS8iB7j6jiSdiwkIr3ajwQzaBtQD_A.XFBoMYUZodetZdvTiFvSkQ';

describe('mask', () => {
  it.each([
    ['subject_token', { subject_token: 'opaque-abc' }],
    ['actor_token', { actor_token: 'opaque-abc' }],
    ['client_secret', { client_secret: 's3cret' }],
    ['client_assertion', { client_assertion: 'x' }],
    ['assertion', { assertion: 'x' }],
    ['code', { code: 'SplxlOBeZQQYbYS6WxSbIA' }],
    ['refresh_token', { refresh_token: 'tGzv3JOkF0XG5Qx2TlKWIA' }],
    ['access_token', { access_token: 'x' }],
    ['password', { password: 'hunter2' }],
    ['Authorization header', { Authorization: 'Bearer abc' }],
  ])('masks %s whatever its value looks like', (_name, obj) => {
    const key = Object.keys(obj)[0]!;
    expect(mask(obj)).toEqual({ value: { [key]: MASK }, masked: [`/${key}`] });
  });

  it.each([
    ['a compact JWS', jws],
    ['a compact JWE', jwe],
    ['a Bearer header with a JWS', `Bearer ${jws}`],
    ['a PEM private key', '-----BEGIN PRIVATE KEY-----\nMIGHAgEA\n-----END PRIVATE KEY-----'],
  ])('masks %s under any member name', (_name, value) => {
    expect(looksSecret(value)).toBe(true);
    expect(mask({ note: value, list: ['ok', value] })).toEqual({
      value: { note: MASK, list: ['ok', MASK] },
      masked: ['/note', '/list/1'],
    });
  });

  it('removes the private members of a JWK and keeps the public ones and the thumbprint', () => {
    const jwk = {
      kty: 'EC',
      crv: 'P-256',
      x: 'f83OJ3D2xF1Bg8vub9tLe1gHMzV76e8Tus9uPHvRVEU',
      y: 'x_FEzRu9m36HLN_tue659LNpXW6pOyStikYjKIWI5a0',
      d: 'jpsQnnGQmL-YBIffH1136cspYG6-0iY7X1fCE9-E9LI',
    };
    const out = mask({ jwk, jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs', jti: 'b1a5e4c2' }, '/input');
    expect(out.value).toEqual({
      jwk: { ...jwk, d: MASK },
      jkt: 'NzbLsXh8uDCcd-6MNwXF4W_7noWXFZAfHkxZsRGC9Xs',
      jti: 'b1a5e4c2',
    });
    expect(out.masked).toEqual(['/input/jwk/d']);
    expect(mask({ kty: 'oct', k: 'GawgguFyGrWKav7AX4VKUg' }).value).toEqual({ kty: 'oct', k: MASK });
  });

  it('keeps a reason code ({ code, message }) readable', () => {
    const reasons = [{ code: 'scope_not_allowed', message: 'no' }];
    expect(mask({ reasons }).value).toEqual({ reasons });
  });

  it('escapes member names in pointers (RFC 6901) and does not modify its input', () => {
    const input = { 'a/b': { 'c~d': { password: 'x' } } };
    const out = mask(input);
    expect(out.masked).toEqual(['/a~1b/c~0d/password']);
    expect(input['a/b']['c~d'].password).toBe('x');
  });

  it('leaves ordinary values alone', () => {
    const v = { sub: 'alice', scope: 'crm.read', n: 3, ok: true, none: null, aud: ['https://api.example'] };
    expect(mask(v)).toEqual({ value: v, masked: [] });
  });
});

describe('maskCanonical', () => {
  // Strings that exercise the masking and JSON escaping; member names that the walk treats
  // specially (credentials, a JWK's private members, a reason's code, __proto__, pointer escapes).
  const str = fc.oneof(fc.string(), fc.constantFrom(jws, `Bearer ${jws}`, 'eyJ.a', '\u2028', '\ud800'));
  const key = fc.oneof(
    fc.string(),
    fc.constantFrom('code', 'message', 'kty', 'd', 'k', 'password', 'Cookie', '__proto__', 'a/b', '~', ''),
  );
  const value = fc.letrec((tie) => ({
    v: fc.oneof(
      { depthSize: 'small' },
      str,
      fc.double(),
      fc.integer(),
      fc.boolean(),
      fc.constant(null),
      fc.constant(undefined),
      fc.array(tie('v'), { maxLength: 4 }),
      fc.dictionary(key, tie('v'), { maxKeys: 5 }),
    ),
  })).v;

  it('gives the canonical JSON of the masked copy, and the same copy and pointers as mask', () => {
    fc.assert(
      fc.property(fc.dictionary(key, value, { maxKeys: 6 }), (obj) => {
        // JSON.parse gives own __proto__ members, as a request body does.
        const input = JSON.parse(JSON.stringify(obj)) as Record<string, unknown>;
        for (const v of [obj, input]) {
          const m = maskCanonical(v, '/x');
          expect(m.text).toBe(canonicalize(m.value));
          expect({ value: m.value, masked: m.masked }).toEqual(mask(v, '/x'));
        }
      }),
      { numRuns: 2000 },
    );
  });

  it('sorts members by UTF-16 code units whatever their order in the object', () => {
    const m = maskCanonical({ b: 1, a: { '\ud800': 1, é: 2, z: 3 }, 'a!': 2 });
    expect(m.text).toBe('{"a":{"z":3,"é":2,"\\ud800":1},"a!":2,"b":1}');
    expect(Object.keys(m.value)).toEqual(['b', 'a', 'a!']);
  });

  it('masks what mask masks, in document order, in the text too', () => {
    const m = maskCanonical({ z: jws, a: { password: 'x' }, n: Number.POSITIVE_INFINITY });
    expect(m.masked).toEqual(['/z', '/a/password', '/n']);
    expect(m.text).toBe(`{"a":{"password":"${MASK}"},"n":null,"z":"${MASK}"}`);
  });
});
