/**
 * The shape of client metadata (RFC 7591 §2) Mandate reads, before any rule of client-metadata.ts:
 * the members it uses, each bounded in length and count, every string clean text Postgres and UTF-8
 * hold exactly (src/text.ts), key members JSON of bounded depth and size. Members it does not use
 * are dropped (§3.2.1 allows ignoring them); `client_secret` and `client_secret_expires_at` are kept,
 * of any type, so that a metadata document carrying one can be refused.
 */
import { z } from 'zod';
import { isCleanText } from '../../text.js';

/** Text Postgres and UTF-8 hold exactly (src/text.ts): no U+0000, no lone surrogate. */
const text = (max: number) =>
  z.string().max(max).refine(isCleanText, 'must not contain U+0000 or unpaired surrogates');

/** True when `v` is JSON of depth ≤ `depth` whose strings are clean and numbers finite. */
export function jsonIsClean(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return v.length <= 16_384 && isCleanText(v);
  if (typeof v === 'number') return Number.isFinite(v);
  if (v === null || typeof v === 'boolean') return true;
  if (depth === 0 || typeof v !== 'object') return false;
  if (Array.isArray(v)) return v.length <= 100 && v.every((x) => jsonIsClean(x, depth - 1));
  const entries = Object.entries(v);
  return entries.length <= 100 && entries.every(([k, x]) => isCleanText(k) && jsonIsClean(x, depth - 1));
}

/** A JWK member: clean text, or a JSON value of bounded size holding only clean text. */
const jwkValue = z.unknown().refine((v) => jsonIsClean(v, 4), 'holds a value a key cannot hold');

export const clientMetadataSchema = z.object({
  redirect_uris: z.array(text(2000).min(1)).max(20).optional(),
  grant_types: z.array(text(200).min(1)).min(1).max(10).optional(),
  response_types: z.array(text(100).min(1)).min(1).max(5).optional(),
  token_endpoint_auth_method: text(100).optional(),
  client_name: text(200).trim().min(1).optional(),
  scope: text(2000).optional(),
  jwks: z
    .object({
      keys: z
        .array(z.record(text(100), jwkValue))
        .min(1)
        .max(10),
    })
    .optional(),
  jwks_uri: text(2000).optional(),
  client_secret: z.unknown().optional(),
  client_secret_expires_at: z.unknown().optional(),
});

/** Client metadata of the right shape, not yet checked against Mandate's rules. */
export type RawClientMetadata = z.infer<typeof clientMetadataSchema>;
