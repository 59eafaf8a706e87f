/**
 * The test-token helper (src/testing.ts) and its guard (src/test-mode.ts): test tokens pass the
 * resource server's real checks in test mode, and neither the test issuer nor a resource server
 * trusting a `.test` issuer can be created in a production process.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { createResourceServer } from '../src/index.js';
import { createTestIssuer, TEST_ISSUER } from '../src/testing.js';
import { isTestIssuer } from '../src/test-mode.js';

const RESOURCE = 'https://mcp.example/mcp';
const env = process.env.NODE_ENV;
afterEach(() => {
  process.env.NODE_ENV = env;
});

describe('test tokens', () => {
  it('are verified by the real checks: issuer, audience, scopes, actor chain, claims', async () => {
    const t = await createTestIssuer();
    const rs = createResourceServer({ resource: RESOURCE, issuer: t.issuer, jwks: t.jwks });
    const token = await t.mint({
      sub: 'alice',
      aud: RESOURCE,
      scopes: ['a', 'b'],
      act: { sub: 'agent' },
      claims: { groups: ['sales'], iss: 'https://evil.example' },
    });
    const access = await rs.authenticate({
      method: 'POST',
      target: '/mcp',
      authorization: `Bearer ${token}`,
    });
    expect(access).toMatchObject({ sub: 'alice', clientId: 'test-client', scopes: ['a', 'b'] });
    expect(access.claims).toMatchObject({ iss: TEST_ISSUER, act: { sub: 'agent' }, groups: ['sales'] });
    // Another test issuer's key is not this one's.
    const other = await createTestIssuer();
    const foreign = await other.mint({ sub: 'alice', aud: RESOURCE });
    await expect(
      rs.authenticate({ method: 'POST', target: '/mcp', authorization: `Bearer ${foreign}` }),
    ).rejects.toMatchObject({ status: 401, error: 'invalid_token' });
  });
});

describe('test mode only', () => {
  it.each(['production', undefined, 'development'])('NODE_ENV=%s: no test issuer', async (value) => {
    if (value === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = value;
    await expect(createTestIssuer()).rejects.toThrow(/createTestIssuer is for tests only: set NODE_ENV=test/);
  });

  it('a resource server refuses a .test issuer outside test mode', async () => {
    const t = await createTestIssuer();
    process.env.NODE_ENV = 'production';
    expect(() => createResourceServer({ resource: RESOURCE, issuer: t.issuer, jwks: t.jwks })).toThrow(
      'createResourceServer: https://mandate.test is a test issuer (.test, RFC 6761), trusted only with NODE_ENV=test',
    );
    expect(() =>
      createResourceServer({ resource: RESOURCE, issuer: 'https://mandate.example' }),
    ).not.toThrow();
  });

  it('the test issuer must be on .test', async () => {
    await expect(createTestIssuer({ issuer: 'https://mandate.example' })).rejects.toThrow(
      /reserved .test domain/,
    );
    expect(['https://a.test', 'https://A.TEST./x', 'https://test'].map(isTestIssuer)).toEqual([
      true,
      true,
      true,
    ]);
    expect(['https://test.example', 'https://latest', 'not a url'].map(isTestIssuer)).toEqual([
      false,
      false,
      false,
    ]);
  });
});

describe('docs/mcp-server-kit.md "Test your server"', () => {
  it('shows the example test file (test/examples/author-test.test.ts) as it is', () => {
    const root = join(import.meta.dirname, '../../..');
    const doc = readFileSync(join(root, 'docs/mcp-server-kit.md'), 'utf8');
    const file = readFileSync(join(import.meta.dirname, 'examples/author-test.test.ts'), 'utf8');
    const block = /## Test your server[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBe(file);
  });
});
