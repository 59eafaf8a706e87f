/**
 * A pre-registered client of the configuration file: `clients[]`, and an MCP server's own client in
 * `mcp_servers[].client` (registry-schema.ts). Documented in docs/configuration.md.
 */
import { z } from 'zod';
import { redirectUriProblem } from '../oauth/clients/redirect-uri-rules.js';
import { GrantType } from '../oauth/tokens/token-types.js';

export const absoluteUrl = z.string().url();
export const jwks = z.object({ keys: z.array(z.record(z.string(), z.unknown())).min(1) });

const secretMinLength = 32;

export const clientSchema = z
  .object({
    client_id: z
      .string()
      .min(1)
      .max(255)
      .describe('The client identifier (RFC 6749 §2.2): how the client names itself at the token endpoint.'),
    client_name: z
      .string()
      .min(1)
      .optional()
      .describe('Name shown on the consent page and in logs. Default: the client_id.'),
    token_endpoint_auth_method: z
      .enum(['client_secret_basic', 'client_secret_post', 'private_key_jwt', 'none'])
      .default('client_secret_basic')
      .describe(
        'How the client authenticates at the token, introspection and revocation endpoints (RFC 6749 §2.3.1, RFC 7523 §2.2); `none` is a public client, limited to the authorization code (with PKCE) and refresh grants and refused at introspection.',
      ),
    client_secret: z
      .string()
      .min(secretMinLength, `must be at least ${secretMinLength} characters (high-entropy secrets only)`)
      .optional()
      .describe(
        'The client secret itself (high-entropy: at least 32 characters); stored only as its SHA-256.',
      ),
    client_secret_env: z
      .string()
      .min(1)
      .optional()
      .describe('Name of the environment variable holding the client secret, read at start-up.'),
    client_secret_sha256: z
      .string()
      .regex(/^[A-Za-z0-9_-]{43}$/, 'must be the base64url SHA-256 of the secret')
      .optional()
      .describe('The base64url SHA-256 of the client secret, for a file that must not hold the secret.'),
    jwks: jwks
      .optional()
      .describe('private_key_jwt: the JWK Set whose keys sign the client’s assertions (RFC 7523 §2.2).'),
    jwks_uri: absoluteUrl
      .optional()
      .describe('private_key_jwt: where the client publishes that JWK Set instead (fetched and cached).'),
    audiences: z
      .array(z.string().min(1))
      .default([])
      .describe(
        'The audiences this client answers to as a resource server (an MCP server’s URL): it may exchange tokens issued for them (RFC 8693) and introspect them (RFC 7662).',
      ),
    grant_types: z
      .array(z.string().min(1))
      .default([GrantType.tokenExchange])
      .describe('The grant types the client may use at the token endpoint (RFC 7591 §2).'),
    redirect_uris: z
      .array(absoluteUrl)
      .default([])
      .describe(
        'Where the authorization endpoint may send the client’s users back (RFC 6749 §3.1.2), with the same rules as registered clients’ (a loopback URI’s port may differ).',
      ),
    scope: z
      .string()
      .optional()
      .describe('The scopes the client registered (RFC 7591 §2), space-separated; kept with the client.'),
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

export type ClientConfig = z.infer<typeof clientSchema>;
