/**
 * The configuration file (MANDATE_CONFIG, JSON): pre-registered clients and trusted issuers, synced
 * into Postgres at start-up, and the protected resources (MCP servers), held in memory. Documented in docs/configuration.md.
 */
import { z } from 'zod';
import { ASYMMETRIC_ALGORITHMS } from '../oauth/tokens/jws-algorithms.js';
import { redirectUriProblem } from '../oauth/clients/redirect-uri-rules.js';
import { GrantType } from '../oauth/tokens/token-types.js';

const absoluteUrl = z.string().url();
const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });

const secretMinLength = 32;

export const clientSchema = z
  .object({
    client_id: z.string().min(1).max(255),
    client_name: z.string().min(1).optional(),
    token_endpoint_auth_method: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
      .default('client_secret_basic'),
    client_secret: z
      .string()
      .min(secretMinLength, `must be at least ${secretMinLength} characters (high-entropy secrets only)`)
      .optional(),
    client_secret_env: z.string().min(1).optional(),
    client_secret_sha256: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be the base64url SHA-256 of the secret')
      .optional(),
    jwks: jwks.optional(),
    jwks_uri: absoluteUrl.optional(),
    audiences: z.array(z.string().min(1)).default([]),
    grant_types: z.array(z.string().min(1)).default([GrantType.tokenExchange]),
    redirect_uris: z.array(absoluteUrl).default([]),
    scope: z.string().optional(),
  })
  .strict()
  .superRefine((c, ctx) => {
    const secrets = [c.client_secret, c.client_secret_env, c.client_secret_sha256].filter(
      (s) => s !== undefined,
    );
    const usesSecret = c.token_endpoint_auth_method.startsWith('client_secret_');
    if (usesSecret && secrets.length !== 1)
      ctx.addIssue({
        code: 'custom',
        message: 'needs exactly one of client_secret, client_secret_env, client_secret_sha256',
      });
    if (!usesSecret && secrets.length > 0)
      ctx.addIssue({ code: 'custom', message: `a secret is not used with ${c.token_endpoint_auth_method}` });
    if (
      c.token_endpoint_auth_method === 'private_key_jwt' &&
      (c.jwks === undefined) === (c.jwks_uri === undefined)
    )
      ctx.addIssue({ code: 'custom', message: 'private_key_jwt needs exactly one of jwks, jwks_uri' });
    // The rules a self-registered client's redirect URIs follow hold for configured clients too.
    c.redirect_uris.forEach((uri, i) => {
      const problem = redirectUriProblem(uri);
      if (problem !== undefined)
        ctx.addIssue({ code: 'custom', path: ['redirect_uris', i], message: `${uri} ${problem}` });
    });
  });

export const issuerSchema = z
  .object({
    issuer: absoluteUrl,
    jwks_uri: absoluteUrl.optional(),
    jwks: jwks.optional(),
    algorithms: z.array(z.enum(ASYMMETRIC_ALGORITHMS)).min(1).default(['RS256', 'ES256']),
    // `id_jag`: the issuer may assert ID-JAGs for the jwt-bearer grant
    // (draft-ietf-oauth-identity-assertion-authz-grant §4.4); never implied by the default.
    token_types: z
      .array(z.enum(['access_token', 'id_token', 'jwt', 'id_jag']))
      .min(1)
      .default(['access_token', 'id_token', 'jwt']),
    groups_claim: z.string().min(1).default('groups'),
    /** A multi-tenant IdP's tenant: its ID-JAGs must carry this `tenant` claim. */
    tenant: z.string().min(1).optional(),
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
    resource: absoluteUrl.refine((v) => !v.includes('#'), 'must not have a fragment (RFC 8707 §2)'),
    name: z.string().min(1),
    scopes_supported: z
      .array(z.string().regex(/^[\x21\x23-\x5B\x5D-\x7E]+$/, 'not a scope token'))
      .default([]),
  })
  .strict();

export const configFileSchema = z
  .object({
    clients: z.array(clientSchema).default([]),
    issuers: z.array(issuerSchema).default([]),
    resources: z.array(resourceSchema).default([]),
  })
  .strict()
  .superRefine((f, ctx) => {
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
  });

export type ConfigFile = z.infer<typeof configFileSchema>;
export type ClientConfig = z.infer<typeof clientSchema>;
export type IssuerConfig = z.infer<typeof issuerSchema>;
export type ResourceConfig = z.infer<typeof resourceSchema>;
