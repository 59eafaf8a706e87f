/**
 * The registry of the configuration file (ADR 0007, issue 13 §5): one `mcp_servers` entry names an
 * MCP server with everything Mandate and the policy need of it (its protected resource, its tools
 * and the scopes each needs, the client trust it accepts, its own client, the services it may call),
 * and one `services` entry names a downstream API. Mandate derives the protected resources and the
 * clients from it (registry.ts) and hands the rest to the policy as `data.mandate` (policy/registry.ts).
 */
import { z } from 'zod';
import { absoluteUrl, clientSchema } from './client-schema.js';

const scopeToken = z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'not a scope token');
const positiveSeconds = z.number().int().positive();

export const toolSchema = z
  .object({
    scopes: z
      .array(scopeToken)
      .default([])
      .describe('Every scope a call of the tool needs (all of them; a step-up asks for them all).'),
    subject_argument: z
      .string()
      .min(1)
      .optional()
      .describe(
        'The argument that names whose data the call reads: it must be the subject itself unless the policy lets one of the subject’s groups name anyone (`any_subject_groups` in the policy’s data).',
      ),
    sensitive_arguments: z
      .array(z.string().min(1))
      .optional()
      .describe(
        'Arguments the audit log masks in the tool call’s decision event. Unset, the policy’s data may name them.',
      ),
  })
  .strict();

export const mcpServerSchema = z
  .object({
    resource: absoluteUrl
      .refine((v) => !v.includes('#'), 'must not have a fragment (RFC 8707 §2)')
      .describe(
        'The MCP server’s URL: the resource indicator (RFC 8707 §2) clients name, the audience of its tokens, the key of `data.mandate.mcp_servers`.',
      ),
    name: z.string().min(1).describe('The name the consent page, the logs and the policy’s reasons show.'),
    scopes: z
      .array(scopeToken)
      .default([])
      .describe('The scopes it offers (RFC 9728 `scopes_supported`): first-hop tokens never carry others.'),
    tools: z
      .record(z.string().min(1), toolSchema)
      .default({})
      .describe(
        'Its tools by name, each with the scopes a call needs; a tool call to a tool not listed is refused (`unknown_tool`).',
      ),
    max_ttl_seconds: positiveSeconds
      .default(3600)
      .describe('The longest lifetime the policy gives a first-hop token for it.'),
    allowed_trust: z
      .array(z.enum(['registered', 'cimd', 'dynamic']))
      .default(['registered', 'cimd'])
      .describe(
        'The client trust levels that may obtain tokens for it: `registered` (the configuration file), `cimd` (Client ID Metadata Documents), `dynamic` (RFC 7591 registration).',
      ),
    blocked_clients: z
      .array(z.string().min(1))
      .default([])
      .describe('Client ids refused for it whatever their trust level.'),
    require_dpop: z
      .boolean()
      .default(false)
      .describe('First-hop tokens for it must be DPoP-bound (RFC 9449).'),
    client: clientSchema
      .optional()
      .describe(
        'The MCP server’s own client (fields as in `clients[]`), with which it exchanges tokens and asks for tool-call decisions; its `audiences` always include `resource`. Required when `services` is not empty.',
      ),
    services: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'The downstream services (names in `services[]`) it may obtain tokens for by token exchange: `data.mandate.actors[<its client_id>]`.',
      ),
  })
  .strict();

export const serviceSchema = z
  .object({
    name: z
      .string()
      .regex(/^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, 'must be letters, digits, ".", "_" or "-" (at most 64)')
      .describe('The service’s name: how `mcp_servers[].services` and the policy name it.'),
    resource: absoluteUrl
      .refine((v) => !v.includes('#'), 'must not have a fragment (RFC 8707 §2)')
      .describe('Its resource indicator (RFC 8707): the `resource` an exchange names it by.'),
    audiences: z
      .array(z.string().min(1))
      .default([])
      .describe('Other `audience` values (RFC 8693 §2.1) an exchange may name it by.'),
    scopes: z.array(scopeToken).default([]).describe('The scopes a token for it may carry.'),
    max_ttl_seconds: positiveSeconds
      .default(300)
      .describe('The longest lifetime of a token for it (never beyond the subject token’s).'),
    require_dpop: z
      .boolean()
      .default(false)
      .describe('Tokens for it must be DPoP-bound (RFC 9449): an exchange without a DPoP proof is refused.'),
    step_up: z
      .record(
        scopeToken,
        z
          .object({
            max_auth_age_seconds: positiveSeconds.describe(
              'How recent the user’s login must be (`auth_time`).',
            ),
          })
          .strict(),
      )
      .default({})
      .describe(
        'Scopes that need a recent login: `{"<scope>": {"max_auth_age_seconds": 900}}`; without one the scope is dropped.',
      ),
  })
  .strict();

export type McpServerConfig = z.infer<typeof mcpServerSchema>;
export type ServiceConfig = z.infer<typeof serviceSchema>;
