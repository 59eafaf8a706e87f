// An MCP server guarded by the kit, on the MCP SDK v2's Express adapter (docs/mcp-server-kit.md §2
// shows this file as it is; test/examples/guide/guarded-mcp-server.test.ts runs it against Mandate).
import { createMcpExpressApp } from '@modelcontextprotocol/express';
import { toNodeHandler } from '@modelcontextprotocol/node';
import { createMcpHandler, McpServer } from '@modelcontextprotocol/server';
import { z } from 'zod';
import { createResourceServer, createToolPolicy, type VerifiedAccess } from '@mandate/mcp-kit';
import { protectedResourceMetadataHandler, requireAccess } from '@mandate/mcp-kit/express';

const issuer = process.env.MANDATE_ISSUER!; // Mandate; its JWKS is at <issuer>/jwks
const rs = createResourceServer({
  resource: 'https://mcp.salesforce.example/mcp', // what tokens must name in `aud`
  issuer,
  scopesSupported: ['crm.read', 'crm.write'],
  requiredScopes: ['crm.read'], // every request; the 401 asks for these
});
// Every tools/call is decided by Mandate's policy, asked as this server's client at Mandate.
const policy = createToolPolicy({
  issuer,
  clientId: 'mcp-salesforce',
  clientSecret: process.env.SALESFORCE_MCP_SECRET!,
});

// A fresh McpServer per request (stateless); its tools get the verified access as ctx.http.authInfo.
function buildServer(): McpServer {
  const server = new McpServer({ name: 'salesforce-mcp', version: '1.0.0' });
  server.registerTool(
    'search_accounts',
    { description: 'Search your CRM accounts', inputSchema: z.object({ query: z.string() }) },
    async ({ query }, ctx) => {
      const auth = ctx.http?.authInfo as VerifiedAccess;
      return { content: [{ type: 'text', text: `${auth.sub} searched the CRM for "${query}"` }] };
    },
  );
  return server;
}

const app = createMcpExpressApp(); // parses JSON and checks Host/Origin on a loopback bind
const mcp = toNodeHandler(createMcpHandler(buildServer));
app.get(rs.metadataPath, protectedResourceMetadataHandler(rs)); // /.well-known/oauth-protected-resource/mcp
app.post('/mcp', requireAccess(rs, { policy }), (req, res) => void mcp(req, res, req.body));
app.listen(Number(process.env.PORT ?? 3000), '127.0.0.1');
