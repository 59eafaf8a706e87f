import { generateKeyPairSync } from 'node:crypto';
import { decodeProtectedHeader } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createConnectors } from '../../../src/oauth/connectors/create-connectors.js';
import { DownstreamRefusal, DownstreamUnavailable } from '../../../src/oauth/connectors/downstream.js';
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

  describe('after a rotation elsewhere', () => {
    const refusal = { status: 400, body: { error: 'invalid_grant', error_description: 'invalid assertion' } };
    const ok = { status: 200, body: { access_token: 'down-at', token_type: 'Bearer', expires_in: 600 } };
    /** A key store whose re-read finds `rotated` (when set) as the active key. */
    const rotatingKeys = (rotated?: ReturnType<typeof connectorKey>, onRead = () => {}) => {
      let held = connectorKey('c');
      const store = {
        reads: 0,
        signingKey: () => held,
        refresh: async () => {
          store.reads += 1;
          await new Promise((r) => setTimeout(r, 20));
          if (rotated !== undefined) held = rotated;
          onRead();
        },
      };
      return store;
    };
    const jwtBearer = () =>
      settings({ service: 'c', kind: 'jwt-bearer', token_endpoint: `${down.url}/c/token` });
    const kidsSent = () => down.forms.map((f) => decodeProtectedHeader(f.get('assertion')!).kid);

    it('re-reads the keys on a refusal and, when the active key changed, asks once more with it', async () => {
      const next = { ...connectorKey('c'), kid: 'c-k2' };
      // The downstream server takes only the new key: it answers once the keys were re-read.
      const keys = rotatingKeys(next, () => (down.reply = ok));
      const [c] = createConnectors([jwtBearer()], { issuer: 'https://m', keys, signer });
      down.forms.length = 0;
      down.reply = refusal;
      await expect(c!.obtain(ask)).resolves.toMatchObject({ accessToken: 'down-at' });
      expect(kidsSent()).toEqual(['c-k1', 'c-k2']);
      expect(keys.reads).toBe(1);
    });

    it('lets the refusal stand, after one shared re-read, when the key did not change', async () => {
      const keys = rotatingKeys();
      const [c] = createConnectors([jwtBearer()], { issuer: 'https://m', keys, signer });
      down.forms.length = 0;
      down.reply = refusal;
      const all = await Promise.allSettled([c!.obtain(ask), c!.obtain(ask), c!.obtain(ask)]);
      expect(all.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      expect((all[0] as PromiseRejectedResult).reason).toBeInstanceOf(DownstreamRefusal);
      expect(kidsSent()).toEqual(['c-k1', 'c-k1', 'c-k1']);
      expect(keys.reads).toBe(1);
    });

    it('never re-reads the keys for an outage', async () => {
      const keys = rotatingKeys({ ...connectorKey('c'), kid: 'c-k2' });
      const [c] = createConnectors([jwtBearer()], { issuer: 'https://m', keys, signer });
      down.forms.length = 0;
      down.reply = { status: 503, body: {} };
      await expect(c!.obtain(ask)).rejects.toBeInstanceOf(DownstreamUnavailable);
      expect(keys.reads).toBe(0);
      expect(kidsSent()).toEqual(['c-k1']);
      down.reply = ok;
    });
  });

  it('makes none from no configuration', () => {
    const keys = { signingKey: () => connectorKey() };
    expect(createConnectors([], { issuer: 'x', keys, signer })).toEqual([]);
  });
});
