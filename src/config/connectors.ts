/**
 * The configuration file's `connectors` section (issue 16, ADR 0013): for a downstream service whose
 * API trusts only its own authorization server, how Mandate obtains the user's token there after
 * policy allows an exchange. One flat schema for every kind (so that docs/configuration.md is one
 * table), with the fields each kind needs checked here and named exactly in the start-up error.
 */
import { z } from 'zod';
import { connectorKinds } from '../oauth/connectors/kinds.js';

const absoluteUrl = z.string().url();
const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]']);

/** Assertions and downstream tokens travel over TLS; plain http only to this machine (tests, demo). */
function transportProblem(url: string): string | undefined {
  const u = new URL(url);
  if (u.protocol === 'https:') return undefined;
  if (u.protocol === 'http:' && LOOPBACK.has(u.hostname)) return undefined;
  return 'must use https (http only for localhost)';
}

/** A claim template value: JSON, whose strings may hold `{subject}`, `{user}`, `{scope}`, `{client_id}`. */
const templateValue: z.ZodType<unknown> = z.lazy(() =>
  z.union([z.string(), z.number(), z.boolean(), z.array(templateValue), z.record(z.string(), templateValue)]),
);

/** Claims an assertion template may not set: Mandate sets them for every assertion (RFC 7523 §3). */
export const RESERVED_ASSERTION_CLAIMS = ['iss', 'sub', 'aud', 'exp', 'iat', 'nbf', 'jti'] as const;

/**
 * Members of a downstream answer `pass_through` may not name: the exchange response's own (a
 * cached token's `expires_in` is what is left of it, not the downstream's), and the tokens never
 * passed on (docs/connectors.md: a downstream refresh token is dropped).
 */
export const NOT_PASSED_THROUGH = [
  'access_token',
  'issued_token_type',
  'token_type',
  'expires_in',
  'scope',
  'refresh_token',
  'id_token',
] as const;

function passThroughIssues(names: readonly string[], ctx: z.RefinementCtx): void {
  names.forEach((name, i) => {
    if ((NOT_PASSED_THROUGH as readonly string[]).includes(name))
      ctx.addIssue({
        code: 'custom',
        path: ['pass_through', i],
        message: `'${name}' is never passed through: ${name === 'refresh_token' || name === 'id_token' ? 'a downstream refresh or ID token never leaves Mandate' : 'the exchange response sets it'}`,
      });
  });
}

export const connectorSchema = z
  .object({
    service: z
      .string()
      .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be a short name: lower-case letters, digits, . _ -')
      .describe(
        'The downstream service’s name, as the policy data names it (`data.mandate.services`): it names the connector’s keys (`mandate connectors cert <service>`) and its audit events.',
      ),
    resource: absoluteUrl
      .refine((v) => !v.includes('#'), 'must not have a fragment (RFC 8707 §2)')
      .describe(
        'The `resource` an MCP server names in its exchange for this service (RFC 8707): an exchange for it, or for one of `audiences`, is answered by this connector.',
      ),
    audiences: z
      .array(z.string().min(1))
      .default([])
      .describe('Further `audience` values (RFC 8693 §2.1) that name the same service.'),
    kind: z
      .enum(connectorKinds)
      .describe(
        'How the token is obtained: `mandate`, Mandate mints it (the default behaviour, stated explicitly); `jwt-bearer`, an RFC 7523 assertion grant at `token_endpoint`; `salesforce`, Salesforce’s OAuth 2.0 JWT Bearer Flow at `login_url`; `id-jag`, an ID-JAG Mandate issues, redeemed at `token_endpoint` of the authorization server `issuer`.',
      ),
    token_endpoint: absoluteUrl
      .optional()
      .describe('`jwt-bearer`, `id-jag`: the downstream authorization server’s token endpoint (required).'),
    client_id: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe(
        '`jwt-bearer`: the client Mandate authenticates as there with `private_key_jwt` signed by the connector’s key (RFC 7523 §2.2); absent, no client authentication. `id-jag`: the client id the ID-JAG names and Mandate authenticates as (required).',
      ),
    issuer: absoluteUrl
      .optional()
      .describe(
        '`jwt-bearer`: the assertion’s `iss` (default: Mandate’s issuer). `id-jag`: the downstream authorization server’s issuer identifier, the ID-JAG’s `aud` (required).',
      ),
    audience: z
      .string()
      .min(1)
      .optional()
      .describe(
        '`jwt-bearer`: the `aud` of the assertion and of the client assertion (default: `token_endpoint`, RFC 7523 §3 item 3); Ory Hydra wants its own token URL here.',
      ),
    claims: z
      .record(z.string(), templateValue)
      .default({})
      .describe(
        '`jwt-bearer`: further claims of the assertion, a template whose strings may hold `{subject}` (the downstream subject the policy mapped), `{user}` (Mandate’s `sub`), `{scope}` (the granted scopes) and `{client_id}` (the MCP server); `iss`, `sub`, `aud`, `exp`, `iat`, `nbf`, `jti` are Mandate’s.',
      ),
    send_scope: z
      .boolean()
      .default(true)
      .describe('`jwt-bearer`, `id-jag`: send the granted scopes as `scope` with the grant (RFC 7521 §4.1).'),
    consumer_key: z
      .string()
      .min(1)
      .max(255)
      .optional()
      .describe('`salesforce`: the connected app’s consumer key, the assertion’s `iss` (required).'),
    login_url: absoluteUrl
      .optional()
      .describe(
        '`salesforce`: the login host, the assertion’s `aud`; the token endpoint is `<login_url>/services/oauth2/token` (default `https://login.salesforce.com`; `https://test.salesforce.com` for a sandbox).',
      ),
    token_lifetime_seconds: z
      .number()
      .int()
      .min(60)
      .max(86_400)
      .default(900)
      .describe(
        '`salesforce`: how long a token lives, since Salesforce’s answer says nothing of it: at most the connected app’s session timeout. Also used for any downstream answer without `expires_in`.',
      ),
    assertion_ttl_seconds: z
      .number()
      .int()
      .min(10)
      .max(300)
      .default(120)
      .describe('Lifetime of each assertion Mandate signs (Salesforce: at most 180).'),
    pass_through: z
      .array(z.string().regex(/^[a-z][a-z0-9_]{0,63}$/, 'must be a response field name'))
      .default([])
      .describe(
        'Fields of the downstream token response copied into the exchange response (`salesforce` always passes `instance_url` and `id`); never `access_token`, `issued_token_type`, `token_type`, `expires_in`, `scope` (the response sets them), `refresh_token` or `id_token`.',
      ),
    timeout_ms: z
      .number()
      .int()
      .min(100)
      .max(30_000)
      .default(5_000)
      .describe('Longest wait for the downstream token endpoint; past it the exchange is 503.'),
    refresh_before_seconds: z
      .number()
      .int()
      .min(0)
      .max(3_600)
      .default(60)
      .describe(
        'A cached downstream token is reused for the same user, service and scopes until this many seconds before it expires.',
      ),
    retry_after_seconds: z
      .number()
      .int()
      .min(1)
      .max(3_600)
      .default(5)
      .describe('`Retry-After` of a 503 when the downstream server is down and says nothing itself.'),
  })
  .strict()
  .superRefine((c, ctx) => {
    const need = (field: keyof typeof c, why: string): void => {
      if (c[field] === undefined) ctx.addIssue({ code: 'custom', path: [field], message: `required ${why}` });
    };
    const never = (field: keyof typeof c): void => {
      if (c[field] !== undefined)
        ctx.addIssue({ code: 'custom', path: [field], message: `not used by kind '${c.kind}'` });
    };
    if (c.kind === 'jwt-bearer') {
      need('token_endpoint', "for kind 'jwt-bearer'");
      for (const f of ['consumer_key', 'login_url'] as const) never(f);
    } else if (c.kind === 'salesforce') {
      need('consumer_key', "for kind 'salesforce' (the connected app's consumer key)");
      for (const f of ['token_endpoint', 'client_id', 'issuer', 'audience'] as const) never(f);
      if (c.assertion_ttl_seconds > 180)
        ctx.addIssue({
          code: 'custom',
          path: ['assertion_ttl_seconds'],
          message: 'Salesforce accepts assertions expiring within 3 minutes: at most 180',
        });
    } else if (c.kind === 'id-jag') {
      need('token_endpoint', "for kind 'id-jag'");
      need('issuer', "for kind 'id-jag' (the downstream authorization server's issuer)");
      need('client_id', "for kind 'id-jag' (the client the ID-JAG names)");
      for (const f of ['consumer_key', 'login_url', 'audience'] as const) never(f);
    } else {
      for (const f of [
        'token_endpoint',
        'client_id',
        'issuer',
        'audience',
        'consumer_key',
        'login_url',
      ] as const)
        never(f);
    }
    if (c.kind !== 'jwt-bearer' && Object.keys(c.claims).length > 0)
      ctx.addIssue({ code: 'custom', path: ['claims'], message: `not used by kind '${c.kind}'` });
    for (const name of Object.keys(c.claims))
      if ((RESERVED_ASSERTION_CLAIMS as readonly string[]).includes(name))
        ctx.addIssue({
          code: 'custom',
          path: ['claims', name],
          message: `'${name}' is set by Mandate for every assertion`,
        });
    passThroughIssues(c.pass_through, ctx);
    for (const field of ['token_endpoint', 'login_url'] as const) {
      const url = c[field];
      const problem = url === undefined ? undefined : transportProblem(url);
      if (problem !== undefined) ctx.addIssue({ code: 'custom', path: [field], message: problem });
    }
  });

/** Two connectors may not share a service name or answer the same identifier. */
export function connectorConflicts(
  connectors: readonly ConnectorConfig[],
): { index: number; field: 'service' | 'resource' | 'audiences'; message: string }[] {
  const out: { index: number; field: 'service' | 'resource' | 'audiences'; message: string }[] = [];
  const names = new Set<string>();
  const ids = new Map<string, string>();
  connectors.forEach((c, index) => {
    if (names.has(c.service))
      out.push({ index, field: 'service', message: `duplicate connector service '${c.service}'` });
    names.add(c.service);
    for (const [field, id] of [
      ['resource', c.resource] as const,
      ...c.audiences.map((a) => ['audiences', a] as const),
    ]) {
      const owner = ids.get(id);
      if (owner !== undefined && owner !== c.service)
        out.push({ index, field, message: `'${id}' already names connector '${owner}'` });
      ids.set(id, c.service);
    }
  });
  return out;
}

export type ConnectorConfig = z.infer<typeof connectorSchema>;
