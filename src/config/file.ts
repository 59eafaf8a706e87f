/**
 * The configuration file (MANDATE_CONFIG, JSON): pre-registered clients and trusted issuers, synced
 * into Postgres at start-up, the protected resources, held in memory, and the registry of MCP servers
 * and downstream services (registry-schema.ts, ADR 0007). Documented in docs/configuration.md.
 */
import { z } from 'zod';
import { ASYMMETRIC_ALGORITHMS } from '@mandate/mcp-kit';
import { absoluteUrl, clientSchema, jwks } from './client-schema.js';
import { registryIssues } from './registry.js';
import { mcpServerSchema, serviceSchema } from './registry-schema.js';
import { connectorConflicts, connectorSchema } from './connectors.js';
import { GrantType } from '../oauth/tokens/token-types.js';
import { workloadIssuerSchema } from './workload.js';

export { clientSchema } from './client-schema.js';

export const issuerSchema = z
  .object({
    issuer: absoluteUrl.describe('The issuer URL, compared byte for byte with the `iss` of its tokens.'),
    jwks_uri: absoluteUrl
      .optional()
      .describe('Where the issuer publishes its signing keys (fetched and cached).'),
    jwks: jwks.optional().describe('The issuer’s signing keys, when they are not fetched.'),
    algorithms: z
      .array(z.enum(ASYMMETRIC_ALGORITHMS))
      .min(1)
      .default(['RS256', 'ES256'])
      .describe('The JWS algorithms its tokens may be signed with; any other is refused.'),
    // `id_jag`: the issuer may assert ID-JAGs for the jwt-bearer grant
    // (draft-ietf-oauth-identity-assertion-authz-grant §4.4); never implied by the default.
    token_types: z
      .array(z.enum(['access_token', 'id_token', 'jwt', 'id_jag']))
      .min(1)
      .default(['access_token', 'id_token', 'jwt'])
      .describe(
        'The subject token types (RFC 8693 §3) Mandate accepts from it; `id_jag` lets it assert ID-JAGs for the jwt-bearer grant and is never implied.',
      ),
    groups_claim: z
      .string()
      .min(1)
      .default('groups')
      .describe(
        'The claim of its tokens that holds the subject’s groups, handed to policy: an array of strings (any other shape refuses the token).',
      ),
    /** A multi-tenant IdP's tenant: its ID-JAGs must carry this `tenant` claim. */
    tenant: z
      .string()
      .min(1)
      .optional()
      .describe('A multi-tenant IdP’s tenant: its ID-JAGs must carry this `tenant` claim.'),
    scopes_claim: z
      .string()
      .regex(/^[\x21-\x7E]{1,255}$/, 'must be a claim name')
      .optional()
      .describe(
        "A further claim holding the subject's scopes, beside `scope` (space-separated) and `scp` (a space-separated string, as Entra ID emits, or an array, as Okta emits), for an IdP that uses another name (Auth0 RBAC: `permissions`); a space-separated string or an array of scope tokens. When several are present the token holds only the scopes they all hold.",
      ),
    scopes_when_absent: z
      .enum(['none', 'policy'])
      .default('none')
      .describe(
        'What a token from this issuer holds when it carries no scope claim at all: `none`, no scopes (an exchange is then refused as `invalid_scope`), or `policy`, whatever the policy grants for the subject (only for an IdP whose tokens never carry scopes, configured so on purpose). A scope claim in any other shape refuses the token (`invalid_grant`) either way. (An ID token presented for an ID-JAG is an identity assertion, not a grant of scopes: there the policy decides.)',
      ),
  })
  .strict()
  .refine(
    (i) => (i.jwks === undefined) !== (i.jwks_uri === undefined),
    'needs exactly one of jwks, jwks_uri',
  );

/**
 * A protected resource (an MCP server) first-hop tokens may be issued for: RFC 8707 §2 resource
 * indicator (absolute URI, no fragment), a display name for consent, and the scopes it offers
 * (RFC 9728 `scopes_supported`).
 */
export const resourceSchema = z
  .object({
    resource: absoluteUrl
      .refine((v) => !v.includes('#'), 'must not have a fragment (RFC 8707 §2)')
      .describe('The resource indicator (RFC 8707 §2) clients name: the MCP server’s URL, no fragment.'),
    name: z.string().min(1).describe('The name the consent page shows.'),
    scopes_supported: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'not a scope token'))
      .default([])
      .describe('The scopes it offers (RFC 9728 `scopes_supported`), advertised in the metadata.'),
  })
  .strict();

export const configFileSchema = z
  .object({
    clients: z
      .array(clientSchema)
      .default([])
      .describe(
        'Pre-registered clients, synced into Postgres at start-up (those removed from the file are deleted).',
      ),
    issuers: z
      .array(issuerSchema)
      .default([])
      .describe('Trusted issuers whose tokens may be exchanged, synced into Postgres at start-up.'),
    resources: z
      .array(resourceSchema)
      .default([])
      .describe(
        'Protected resources first-hop tokens are issued for, held in memory; the older form of `mcp_servers[]`, which registers them too.',
      ),
    mcp_servers: z
      .array(mcpServerSchema)
      .default([])
      .describe(
        'The registry of MCP servers (ADR 0007): one entry per server registers its protected resource, its own client, and the policy’s `data.mandate.mcp_servers` and `actors` entries.',
      ),
    services: z
      .array(serviceSchema)
      .default([])
      .describe(
        'The registry of downstream services MCP servers obtain tokens for by token exchange: the policy’s `data.mandate.services`. With `mcp_servers[]`, it replaces those paths of the bundle’s data.',
      ),
    connectors: z
      .array(connectorSchema)
      .default([])
      .describe(
        'Downstream services whose tokens Mandate obtains from their own authorization server after policy allows an exchange (docs/connectors.md).',
      ),
    workload_issuers: z
      .array(workloadIssuerSchema)
      .default([])
      .describe(
        'Issuers trusted to authenticate workloads (agents, MCP servers) by their platform JWTs with the jwt-bearer grant and no client secret (MCP SEP-1933), with the claim rules naming each workload’s client; held in memory.',
      ),
  })
  .strict()
  .superRefine((f, ctx) => {
    for (const issue of registryIssues(f)) ctx.addIssue({ code: 'custom', ...issue });
    const seen = new Set<string>();
    f.clients.forEach((c, i) => {
      if (seen.has(c.client_id))
        ctx.addIssue({
          code: 'custom',
          path: ['clients', i, 'client_id'],
          message: `duplicate client_id '${c.client_id}'`,
        });
      seen.add(c.client_id);
    });
    f.workload_issuers.forEach((w, i) => {
      if (f.workload_issuers.findIndex((o) => o.issuer === w.issuer) !== i)
        ctx.addIssue({
          code: 'custom',
          path: ['workload_issuers', i, 'issuer'],
          message: `duplicate workload issuer '${w.issuer}'`,
        });
      w.rules.forEach((r, j) => {
        // A workload may authenticate as a client of clients[] or as an MCP server's own client.
        const client = [...f.clients, ...f.mcp_servers.flatMap((m) => m.client ?? [])].find(
          (c) => c.client_id === r.client_id,
        );
        if (client === undefined || !client.grant_types.includes(GrantType.jwtBearer))
          ctx.addIssue({
            code: 'custom',
            path: ['workload_issuers', i, 'rules', j, 'client_id'],
            message:
              client === undefined
                ? `'${r.client_id}' is not a client of clients[]`
                : `client '${r.client_id}' does not have the grant type ${GrantType.jwtBearer}`,
          });
      });
    });
    const resources = new Set<string>();
    f.resources.forEach((r, i) => {
      if (resources.has(r.resource))
        ctx.addIssue({
          code: 'custom',
          path: ['resources', i, 'resource'],
          message: `duplicate resource '${r.resource}'`,
        });
      resources.add(r.resource);
    });
    for (const c of connectorConflicts(f.connectors))
      ctx.addIssue({ code: 'custom', path: ['connectors', c.index, c.field], message: c.message });
  });

export type ConfigFile = z.infer<typeof configFileSchema>;
export type { ClientConfig } from './client-schema.js';
export type IssuerConfig = z.infer<typeof issuerSchema>;
export type ResourceConfig = z.infer<typeof resourceSchema>;
