/**
 * The configuration file's `workload_issuers` (src/config/workload.ts): each mistake stops start-up
 * with the exact message naming the field.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.js';

const dir = mkdtempSync(join(tmpdir(), 'mandate-workload-config-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const JWT_BEARER = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
const jwks = { keys: [{ kty: 'EC', crv: 'P-256', x: 'x', y: 'y' }] };
const agent = { client_id: 'crm-agent', token_endpoint_auth_method: 'none', grant_types: [JWT_BEARER] };
const issuer = (extra: Record<string, unknown> = {}) => ({
  issuer: 'https://platform.example',
  jwks,
  rules: [{ sub: 'system:serviceaccount:agents:crm', client_id: 'crm-agent' }],
  ...extra,
});

function load(content: Record<string, unknown>): () => unknown {
  const path = join(dir, `${Math.random().toString(36).slice(2)}.json`);
  writeFileSync(path, JSON.stringify(content));
  return () => loadConfig({ MANDATE_ISSUER: 'https://mandate.example', MANDATE_CONFIG: path });
}
const at = (field: string, message: string) =>
  new RegExp(`\\) ${field.replace(/[[\].]/g, '\\$&')}: ${message}$`);

describe('workload_issuers', () => {
  it('loads a valid issuer with its defaults', () => {
    const config = load({ clients: [agent], workload_issuers: [issuer()] })() as {
      file: { workload_issuers: Record<string, unknown>[] };
    };
    expect(config.file.workload_issuers[0]).toMatchObject({
      algorithms: ['RS256', 'ES256'],
      audiences: [],
      max_lifetime_seconds: 3600,
      rules: [{ claims: {}, groups: [] }],
    });
  });

  it.each([
    [
      'a rule naming a client the file does not have',
      { clients: [], workload_issuers: [issuer()] },
      at('workload_issuers[0].rules[0].client_id', "'crm-agent' is not a client of clients\\[\\]"),
    ],
    [
      'a rule naming a client without the jwt-bearer grant',
      { clients: [{ ...agent, grant_types: ['authorization_code'] }], workload_issuers: [issuer()] },
      at(
        'workload_issuers[0].rules[0].client_id',
        `client 'crm-agent' does not have the grant type ${JWT_BEARER}`,
      ),
    ],
    [
      'a rule with both sub and sub_pattern',
      {
        clients: [agent],
        workload_issuers: [issuer({ rules: [{ sub: 'a', sub_pattern: 'a/*', client_id: 'crm-agent' }] })],
      },
      at('workload_issuers[0].rules[0]', 'needs exactly one of sub, sub_pattern'),
    ],
    [
      'keys fetched over plain http from another host',
      {
        clients: [agent],
        workload_issuers: [issuer({ jwks: undefined, jwks_uri: 'http://platform.example/jwks' })],
      },
      at(
        'workload_issuers[0].jwks_uri',
        'must use https unless the host is localhost \\(SEP-1933: keys come over TLS\\)',
      ),
    ],
    [
      'no rules',
      { clients: [agent], workload_issuers: [issuer({ rules: [] })] },
      at('workload_issuers[0].rules', 'Too small: expected array to have >=1 items'),
    ],
    [
      'the same issuer twice',
      { clients: [agent], workload_issuers: [issuer(), issuer()] },
      at('workload_issuers[1].issuer', "duplicate workload issuer 'https://platform.example'"),
    ],
  ])('refuses %s', (_name, content, message) => {
    expect(load(content)).toThrow(message);
  });
});
