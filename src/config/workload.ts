/**
 * The configuration file's `workload_issuers`: issuers trusted to authenticate workloads (an agent or
 * MCP server with a platform identity of its own) through the RFC 7523 jwt-bearer grant, and the
 * claim rules naming which workload is which client (MCP SEP-1933 "Trust Configuration").
 */
import { z } from 'zod';
import { ASYMMETRIC_ALGORITHMS } from '@mandate/mcp-kit';

const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });
const LOCAL_HOSTS = ['localhost', '127.0.0.1', '[::1]'];
const text = z.string().min(1).max(2048);

export const workloadRuleSchema = z
  .object({
    client_id: z
      .string()
      .min(1)
      .describe(
        'The client (of `clients[]`, with the jwt-bearer grant type) a matching workload authenticates as: its `client_id` in the token, the decision and the audit.',
      ),
    sub: text
      .optional()
      .describe('The workload’s `sub` exactly, e.g. `system:serviceaccount:agents:crm-agent`.'),
    sub_pattern: text
      .optional()
      .describe(
        'A pattern the workload’s `sub` must match instead: `*` is one path segment (no `/`), `**` anything, the rest literal, e.g. `spiffe://example.org/ns/agents/sa/*`.',
      ),
    claims: z
      .record(z.string().min(1), text)
      .default({})
      .describe(
        'Further top-level claims that must hold exactly these string values (e.g. a CI system’s `repository`); only claims the issuer controls, never ones a tenant sets.',
      ),
    resources: z
      .array(z.string().url())
      .min(1)
      .optional()
      .describe(
        'The resources (MCP servers) the workload may ask a token for. Default: any the policy allows.',
      ),
    scopes: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'not a scope token'))
      .optional()
      .describe(
        'The most the workload may be granted (requested ∩ these, and what the policy grants); requested when the request names none. Default: what the policy grants.',
      ),
    groups: z
      .array(text)
      .default([])
      .describe(
        'Groups handed to the policy as the workload’s `subject.groups` (its platform’s groups claim is not read).',
      ),
  })
  .strict()
  .refine(
    (r) => (r.sub === undefined) !== (r.sub_pattern === undefined),
    'needs exactly one of sub, sub_pattern',
  );

export const workloadIssuerSchema = z
  .object({
    issuer: z
      .string()
      .url()
      .describe(
        'The issuer, compared byte for byte with the `iss` of its tokens (an https URL, or a SPIFFE trust domain such as `spiffe://example.org`).',
      ),
    jwks_uri: z
      .string()
      .url()
      .refine((u) => u.startsWith('https://') || LOCAL_HOSTS.includes(new URL(u).hostname), {
        message: 'must use https unless the host is localhost (SEP-1933: keys come over TLS)',
      })
      .optional()
      .describe('Where the issuer publishes its signing keys (fetched over TLS and cached).'),
    jwks: jwks.optional().describe('The issuer’s signing keys, when they are not fetched.'),
    algorithms: z
      .array(z.enum(ASYMMETRIC_ALGORITHMS))
      .min(1)
      .default(['RS256', 'ES256'])
      .describe('The JWS algorithms its tokens may be signed with; any other is refused.'),
    audiences: z
      .array(text)
      .default([])
      .describe(
        'The `aud` its tokens must name (one of). Default (empty): Mandate’s token endpoint URL or issuer (RFC 7523 §3; SEP-1933 names the token endpoint).',
      ),
    max_lifetime_seconds: z
      .number()
      .int()
      .min(1)
      .max(86_400)
      .default(3600)
      .describe(
        'The longest remaining lifetime (exp − now) a token may have; its `jti` is remembered until it expires. A Kubernetes projected token’s default is one hour.',
      ),
    rules: z
      .array(workloadRuleSchema)
      .min(1)
      .describe('Which workloads become which client, tried in order; a workload no rule names is refused.'),
  })
  .strict()
  .refine(
    (i) => (i.jwks === undefined) !== (i.jwks_uri === undefined),
    'needs exactly one of jwks, jwks_uri',
  );

export type WorkloadIssuerConfig = z.infer<typeof workloadIssuerSchema>;
