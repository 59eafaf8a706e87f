/**
 * The configuration file's `connectors` section: each kind's required fields, fields a kind does
 * not use, transport, reserved assertion claims and conflicts are refused at start-up with an exact
 * message naming the file and field (src/config/connectors.ts).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-connectors-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

let n = 0;
function load(connectors: unknown[]): { path: string; run: () => unknown } {
  const path = join(dir, `c${n++}.json`);
  writeFileSync(path, JSON.stringify({ connectors }));
  return { path, run: () => loadConfig({ MANDATE_CONFIG: path }) };
}

const sf = { service: 'salesforce', resource: 'https://api.salesforce.example', kind: 'salesforce' };
const jb = { service: 'hr', resource: 'https://api.hr.example', kind: 'jwt-bearer' };
const ij = { service: 'partner', resource: 'https://api.partner.example', kind: 'id-jag' };

const cases: [string, unknown[], string][] = [
  [
    'salesforce without its consumer key',
    [sf],
    "connectors[0].consumer_key: required for kind 'salesforce' (the connected app's consumer key)",
  ],
  [
    'jwt-bearer without a token endpoint',
    [jb],
    "connectors[0].token_endpoint: required for kind 'jwt-bearer'",
  ],
  [
    'id-jag without issuer and client',
    [{ ...ij, token_endpoint: 'https://as.partner.example/token' }],
    "connectors[0].issuer: required for kind 'id-jag' (the downstream authorization server's issuer)\n" +
      "connectors[0].client_id: required for kind 'id-jag' (the client the ID-JAG names)",
  ],
  [
    'a token endpoint over plain http to another host',
    [{ ...jb, token_endpoint: 'http://as.hr.example/token' }],
    'connectors[0].token_endpoint: must use https (http only for localhost)',
  ],
  [
    'a field the kind does not use',
    [{ ...sf, consumer_key: 'ck', token_endpoint: 'https://login.example/token' }],
    "connectors[0].token_endpoint: not used by kind 'salesforce'",
  ],
  [
    'a Salesforce assertion living longer than 3 minutes',
    [{ ...sf, consumer_key: 'ck', assertion_ttl_seconds: 240 }],
    'connectors[0].assertion_ttl_seconds: Salesforce accepts assertions expiring within 3 minutes: at most 180',
  ],
  [
    'a template setting a claim Mandate sets',
    [{ ...jb, token_endpoint: 'https://as.hr.example/token', claims: { sub: '{user}' } }],
    "connectors[0].claims.sub: 'sub' is set by Mandate for every assertion",
  ],
  [
    'passing through a downstream refresh token, or a member the exchange response sets',
    [{ ...sf, consumer_key: 'ck', pass_through: ['signature', 'refresh_token', 'expires_in'] }],
    "connectors[0].pass_through[1]: 'refresh_token' is never passed through: a downstream refresh or ID token never leaves Mandate\n" +
      "connectors[0].pass_through[2]: 'expires_in' is never passed through: the exchange response sets it",
  ],
  [
    'two connectors for one identifier',
    [
      { ...sf, consumer_key: 'ck' },
      { ...jb, token_endpoint: 'https://as.hr.example/token', audiences: ['https://api.salesforce.example'] },
    ],
    "connectors[1].audiences: 'https://api.salesforce.example' already names connector 'salesforce'",
  ],
  [
    'a service name that is not a short name',
    [{ ...sf, consumer_key: 'ck', service: 'Sales Force' }],
    'connectors[0].service: must be a short name: lower-case letters, digits, . _ -',
  ],
  [
    'an unknown kind',
    [{ ...sf, kind: 'saml' }],
    'connectors[0].kind: Invalid option: expected one of "mandate"|"jwt-bearer"|"salesforce"|"id-jag"',
  ],
];

describe('connectors in the configuration file', () => {
  it.each(cases)('refuses %s with an exact message', (_name, connectors, message) => {
    const { path, run } = load(connectors);
    expect(run).toThrow(ConfigError);
    expect(run).toThrow(
      message
        .split('\n')
        .map((m) => `MANDATE_CONFIG (${path}) ${m}`)
        .join('\n'),
    );
  });

  it('accepts one connector of each kind, with the defaults filled in', () => {
    const { run } = load([
      { ...sf, consumer_key: '3MVG9-consumer-key' },
      {
        ...jb,
        token_endpoint: 'http://127.0.0.1:4444/oauth2/token',
        client_id: 'mandate',
        claims: { email: '{subject}' },
      },
      {
        ...ij,
        token_endpoint: 'https://as.partner.example/token',
        issuer: 'https://as.partner.example',
        client_id: 'mcp',
      },
      { service: 'internal', resource: 'https://api.internal.example', kind: 'mandate' },
    ]);
    const config = run() as { file: { connectors: Record<string, unknown>[] } };
    expect(config.file.connectors.map((c) => c.kind)).toEqual([
      'salesforce',
      'jwt-bearer',
      'id-jag',
      'mandate',
    ]);
    expect(config.file.connectors[0]).toMatchObject({
      timeout_ms: 5000,
      refresh_before_seconds: 60,
      assertion_ttl_seconds: 120,
      token_lifetime_seconds: 900,
      retry_after_seconds: 5,
      send_scope: true,
      audiences: [],
      pass_through: [],
    });
  });
});
