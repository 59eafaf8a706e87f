import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectors } from '../../../src/oauth/connectors/create-connectors.js';
import { ask, connectorKey, settings, startDownstream, type DownstreamServer } from './downstream-server.js';

let down: DownstreamServer;
beforeAll(async () => {
  down = await startDownstream();
});
afterAll(() => down?.close());

const ec = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const signer = { signingKey: () => ({ kid: 'm', alg: 'ES256' as const, privateKey: ec.privateKey }) };

describe('createConnectors', () => {
  it('makes one connector per downstream kind, in order, none for mandate, each signing with its service key', async () => {
    const looked: string[] = [];
    const configs = [
      settings({ service: 'a', kind: 'salesforce', consumer_key: 'k', login_url: down.url }),
      settings({ service: 'b', kind: 'mandate' }),
      settings({ service: 'c', kind: 'jwt-bearer', token_endpoint: `${down.url}/c/token` }),
      settings({
        service: 'd',
        kind: 'id-jag',
        token_endpoint: `${down.url}/d/token`,
        issuer: 'https://d',
        client_id: 'cd',
      }),
    ];
    const out = createConnectors(configs, {
      issuer: 'https://mandate.example',
      keys: { signingKey: (s: string) => (looked.push(s), connectorKey(s)) },
      signer,
    });
    expect(out.map((c) => c.config)).toEqual([configs[0], configs[2], configs[3]]);
    // Keys are looked up when a token is needed, not when the connectors are made (rotation).
    expect(looked).toEqual([]);
    down.forms.length = 0;
    down.paths.length = 0;
    for (const c of out) await c.obtain(ask);
    expect(looked).toEqual(['a', 'c', 'd']);
    expect(down.paths).toEqual(['/services/oauth2/token', '/c/token', '/d/token']);
    const algs = down.forms.map((f) => decodeProtectedHeader(f.get('assertion')!));
    expect(algs).toEqual([
      { alg: 'RS256' },
      { kid: 'c-k1', typ: 'JWT', alg: 'RS256' },
      { alg: 'ES256', kid: 'm', typ: 'oauth-id-jag+jwt' },
    ]);
  });

  it('makes none from no configuration', () => {
    const keys = { signingKey: () => connectorKey() };
    expect(createConnectors([], { issuer: 'x', keys, signer })).toEqual([]);
  });
});
