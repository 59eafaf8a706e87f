/**
 * The fastify adapter's policy wiring (src/fastify.ts): a client that closes the connection while
 * the policy is deciding abandons its wait (the signal the hook hands the policy aborts), and an
 * answered request's does not.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { afterEach } from 'vitest';
import { accessHook } from '../src/fastify.js';
import { abandonCases, testResourceServer, type Serve } from './adapters.js';

let app: FastifyInstance | undefined;
afterEach(async () => app?.close());

const serve: Serve = async (policy) => {
  const { rs, token } = await testResourceServer();
  app = Fastify({ forceCloseConnections: true });
  app.post('/mcp', { preHandler: accessHook(rs, { policy }) }, async () => ({
    jsonrpc: '2.0',
    id: 1,
    result: { content: [] },
  }));
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return { url: `${address}/mcp`, token };
};

abandonCases(serve);
