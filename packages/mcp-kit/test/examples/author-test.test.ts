// An MCP server author's own test, with test tokens and no Mandate running
// (docs/mcp-server-kit.md "Test your server" shows this file as it is).
import type { Server } from 'node:http';
import express from 'express';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createResourceServer } from '@mandate/mcp-kit';
import { requireAccess } from '@mandate/mcp-kit/express';
import { createTestIssuer, type TestIssuer } from '@mandate/mcp-kit/testing';

const RESOURCE = 'https://mcp.notes.example/mcp';
let test: TestIssuer;
let server: Server;
let url: string;

beforeAll(async () => {
  test = await createTestIssuer(); // NODE_ENV=test only; issuer https://mandate.test
  const rs = createResourceServer({
    resource: RESOURCE,
    issuer: test.issuer,
    jwks: test.jwks,
    requiredScopes: ['notes.read'],
  });
  const app = express().use(express.json());
  app.post('/mcp', requireAccess(rs), (req, res) => {
    res.json({ jsonrpc: '2.0', id: req.body.id, result: { content: [{ type: 'text', text: 'hello' }] } });
  });
  await new Promise<void>((resolve) => {
    server = app.listen(0, '127.0.0.1', () => resolve());
  });
  const address = server.address();
  url = `http://127.0.0.1:${typeof address === 'object' && address !== null ? address.port : 0}/mcp`;
});
afterAll(() => {
  server.close();
});

const call = (token?: string) =>
  fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/call', params: { name: 'read_note' } }),
  });

it('answers a user with the right token', async () => {
  const token = await test.mint({ sub: 'alice', aud: RESOURCE, scopes: ['notes.read'] });
  const res = await call(token);
  expect(res.status).toBe(200);
});

it('challenges a request without a token, or with too few scopes', async () => {
  expect((await call()).status).toBe(401);
  const token = await test.mint({ sub: 'alice', aud: RESOURCE, scopes: [] });
  const res = await call(token);
  expect(res.status).toBe(403);
  expect(res.headers.get('www-authenticate')).toContain('error="insufficient_scope"');
});

it('refuses a token for another server, or an expired one', async () => {
  const other = await test.mint({
    sub: 'alice',
    aud: 'https://mcp.other.example/mcp',
    scopes: ['notes.read'],
  });
  expect((await call(other)).status).toBe(401);
  const expired = await test.mint({ sub: 'alice', aud: RESOURCE, scopes: ['notes.read'], ttlSeconds: -60 });
  expect((await call(expired)).status).toBe(401);
});
