/**
 * The Express adapter's policy wiring (src/express.ts): a client that closes the connection while
 * the policy is deciding abandons its wait (the signal the adapter hands the policy aborts), and an
 * answered request's does not.
 */
import type { Server } from 'node:http';
import express from 'express';
import { afterEach } from 'vitest';
import { requireAccess } from '../src/express.js';
import { abandonCases, testResourceServer, type Serve } from './adapters.js';

let server: Server | undefined;
afterEach(() => server?.close());

const serve: Serve = async (policy) => {
  const { rs, token } = await testResourceServer();
  const app = express().use(express.json());
  app.post('/mcp', requireAccess(rs, { policy }), (_req, res) => {
    res.json({ jsonrpc: '2.0', id: 1, result: { content: [] } });
  });
  const s = app.listen(0, '127.0.0.1');
  server = s;
  await new Promise((r) => s.once('listening', r));
  return { url: `http://127.0.0.1:${(s.address() as { port: number }).port}/mcp`, token };
};

abandonCases(serve);
