/**
 * docs/mcp-server-kit.md §2 "Guard the MCP endpoint" as written: the page shows
 * examples/guide/guarded-mcp-server.ts exactly, and that file, run as its own process
 * (`node --import tsx`) against a real Mandate, serves its metadata, challenges a request without
 * a token, and runs a tool call the policy allows, decided by Mandate and audited with the token's
 * `jti`, while a tool the policy does not know is refused with the policy's reason.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../../helpers/exchange.js';
import { MCP, SECRETS, startTestService, type TestService } from '../../helpers/service.js';
import { mcpClient, toolText, userToken } from '../helpers.js';

const FILE = 'examples/guide/guarded-mcp-server.ts';
const PORT = 45510; // this helper's range (45500-45999)
const url = `http://127.0.0.1:${PORT}/mcp`;

let ts: TestService;
let child: ChildProcess;
let stderr = '';

async function until(ready: () => Promise<boolean>, ms: number): Promise<void> {
  const end = Date.now() + ms;
  while (!(await ready().catch(() => false))) {
    if (Date.now() > end) throw new Error(`${FILE} did not start: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  ts = await startTestService();
  child = spawn(process.execPath, ['--import', 'tsx', FILE], {
    cwd: repoRoot,
    env: {
      ...process.env,
      MANDATE_ISSUER: ts.issuer,
      SALESFORCE_MCP_SECRET: SECRETS.salesforce,
      PORT: String(PORT),
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  child.stderr?.on('data', (c: Buffer) => (stderr += c.toString()));
  await until(
    async () => (await fetch(`http://127.0.0.1:${PORT}/.well-known/oauth-protected-resource/mcp`)).ok,
    30_000,
  );
}, 90_000);
afterAll(async () => {
  child?.kill();
  await ts?.close();
});

async function decisionEvent(jti: string, tool: string) {
  const res = await ts.db.db.query<{
    event: { data: { input: Record<string, unknown>; enforced: unknown } };
  }>(
    `SELECT event FROM outbox WHERE event->>'type' = 'dev.mandate.decision'
       AND event->'data'->'input'->'context'->>'token_jti' = $1
       AND event->'data'->'input'->'context'->>'tool' = $2`,
    [jti, tool],
  );
  return res.rows[0]?.event.data;
}

describe('docs/mcp-server-kit.md §2, as written', () => {
  it(`shows ${FILE} as it is`, () => {
    const doc = readFileSync(join(repoRoot, 'docs/mcp-server-kit.md'), 'utf8');
    const block = /## 2\. Guard the MCP endpoint[\s\S]*?```ts\n([\s\S]*?)```/.exec(doc)?.[1];
    expect(block).toBe(readFileSync(join(repoRoot, FILE), 'utf8'));
  });

  it('serves its RFC 9728 metadata and challenges a request without a token', async () => {
    const meta = await fetch(`http://127.0.0.1:${PORT}/.well-known/oauth-protected-resource/mcp`);
    expect(await meta.json()).toMatchObject({ resource: MCP.salesforce, authorization_servers: [ts.issuer] });
    const none = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream' },
      body: JSON.stringify({ jsonrpc: '2.0', id: 1, method: 'tools/list' }),
    });
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe(
      'Bearer resource_metadata="https://mcp.salesforce.example/.well-known/oauth-protected-resource/mcp", scope="crm.read"',
    );
  });

  it('runs a tool call the policy allows and refuses one it does not know, each decided by Mandate', async () => {
    const token = await userToken(ts, {
      sub: 'alice',
      groups: ['sales'],
      aud: MCP.salesforce,
      scopes: ['crm.read'],
    });
    const jti = (JSON.parse(Buffer.from(token.split('.')[1]!, 'base64url').toString()) as { jti: string })
      .jti;
    const client = await mcpClient(url, token, fetch);
    try {
      const ok = toolText(await client.callTool({ name: 'search_accounts', arguments: { query: 'acme' } }));
      expect(ok).toMatchObject({ isError: false, text: 'alice searched the CRM for "acme"' });
      const unknown = toolText(await client.callTool({ name: 'delete_all_accounts', arguments: {} }));
      expect(unknown).toMatchObject({
        isError: true,
        text: 'Refused by policy: tool delete_all_accounts is not registered for Salesforce MCP',
      });
    } finally {
      await client.close();
    }
    expect(await decisionEvent(jti, 'search_accounts')).toMatchObject({
      input: { action: 'tool_call', context: { arguments: { query: 'acme' } } },
      enforced: { allow: true },
    });
    expect(await decisionEvent(jti, 'delete_all_accounts')).toMatchObject({ enforced: { allow: false } });
  });
});
