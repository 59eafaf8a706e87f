/**
 * The one place where a verified token's claims become typed values (issue 10 §1), before any grant,
 * decision or record uses them: subject and actor tokens (RFC 8693 §2.1, Mandate's own RFC 9068
 * access tokens and trusted issuers' tokens), ID-JAGs (draft-ietf-oauth-identity-assertion-authz-grant
 * §3) and client assertions (RFC 7523 §3). A claim in a shape nobody checked refuses the token:
 * every string is clean text of bounded length (no U+0000, no lone surrogate, text.ts), every time a
 * finite number a timestamp column holds, and scopes are a `scope`/`scp` string or an array of scope
 * tokens. Grants read the typed value only; the raw payload never leaves this file.
 */
import { z } from 'zod';
import { isCleanText, MAX_KEY_LENGTH } from '../../text.js';
import { OAuthError } from '../errors.js';

/** 9999-12-31T23:59:59Z: every JavaScript Date, Postgres timestamp and canonical JSON number holds it. */
const MAX_NUMERIC_DATE = 253_402_300_799;
/** A time further ahead than this is no lifetime any issuer means (RFC 7519 §4.1.4 leaves it open). */
export const MAX_FUTURE_SECONDS = 10 * 366 * 24 * 3600;
/** Bounds on what one token can make Mandate hold, compare and record. */
export const MAX_SCOPES = 200;
export const MAX_GROUPS = 1000;
const MAX_AUDIENCES = 50;
const MAX_ACT_NESTING = 16;
/** RFC 6749 §3.3 scope-token: %x21 / %x23-5B / %x5D-7E, here at most 256 characters. */
const SCOPE_TOKEN = /^[\x21\x23-\x5B\x5D-\x7E]{1,256}$/;

const text = z
  .string()
  .min(1)
  .max(MAX_KEY_LENGTH)
  .refine((s) => isCleanText(s));
const numericDate = z.number().min(0).max(MAX_NUMERIC_DATE);
const texts = (max: number) => z.array(text).max(max);

/** RFC 8693 §4.1: the current actor, earlier actors nested inside it. Other members are dropped. */
export type ActClaim = {
  sub: string;
  client_id?: string;
  iss?: string;
  act?: ActClaim;
};
const actClaim: z.ZodType<ActClaim> = z.lazy(() =>
  z.object({ sub: text, client_id: text.optional(), iss: text.optional(), act: actClaim.optional() }),
);

/**
 * The rule each registered claim must meet when present, with the words a refusal uses. `scope`,
 * `scp`, `may_act` and the groups claim have their own readers below.
 */
const claimRules = {
  iss: [text, 'a non-empty string'],
  sub: [text, 'a non-empty string'],
  aud: [z.union([text, texts(MAX_AUDIENCES).min(1)]), 'a string or an array of strings'],
  jti: [text, 'a non-empty string'],
  exp: [numericDate, 'a NumericDate'],
  iat: [numericDate, 'a NumericDate'],
  nbf: [numericDate, 'a NumericDate'],
  auth_time: [numericDate, 'a NumericDate'],
  client_id: [text, 'a non-empty string'],
  azp: [text, 'a non-empty string'],
  acr: [text, 'a non-empty string'],
  amr: [texts(32), 'an array of strings'],
  email: [text, 'a non-empty string'],
  tenant: [text, 'a non-empty string'],
  resource: [z.union([text, texts(MAX_AUDIENCES).min(1)]), 'a string or an array of strings'],
  cnf: [z.object({ jkt: text.optional() }), 'an object whose jkt is a string'],
  act: [actClaim, 'an object naming its actor in sub'],
} as const satisfies Record<string, readonly [z.ZodType, string]>;

type RuleName = keyof typeof claimRules;
type Ruled = { [K in RuleName]?: z.infer<(typeof claimRules)[K][0]> };

/** Claims that are protocol plumbing rather than attributes of the user (not in `others`). */
const plumbing = new Set<string>([
  ...Object.keys(claimRules),
  'scope',
  'scp',
  'may_act',
  'nonce',
  'at_hash',
  'c_hash',
]);
// Attributes the policy reads as `subject.claims` (design.md, "The decision contract").
for (const attribute of ['email', 'amr', 'acr', 'auth_time', 'tenant', 'azp', 'client_id', 'resource'])
  plumbing.delete(attribute);

/** A token's claims, typed. `aud` is always a list; times are seconds since the epoch. */
export interface TokenClaims {
  iss: string;
  sub: string;
  aud: string[];
  exp: number;
  iat?: number;
  nbf?: number;
  jti?: string;
  client_id?: string;
  azp?: string;
  auth_time?: number;
  acr?: string;
  amr?: string[];
  email?: string;
  tenant?: string;
  resource?: string[];
  cnf?: { jkt?: string };
  act?: ActClaim;
  /**
   * RFC 8693 §4.4: who may act for the subject, member by member (each must match the actor);
   * an empty record names no one. Absent when the token has no `may_act`.
   */
  may_act?: Readonly<Record<string, string>>;
  /**
   * The scope ceiling: what the token holds. `undefined` only for an issuer configured to leave the
   * ceiling to the policy when its token carries no scope claim.
   */
  scopes: string[] | undefined;
  groups: string[];
  /** Every other claim, for the policy's `subject.claims`. */
  others: Record<string, unknown>;
}

/** How one kind of token is read. */
export interface ClaimProfile {
  /** How refusals name the token: `subject_token`, `actor_token`, `assertion`, `client_assertion`. */
  param: string;
  /** `invalid_grant` for grants, `invalid_client` for client assertions. */
  error: 'invalid_grant' | 'invalid_client';
  /** Claims the token must carry (beyond `iss`, `sub` and `exp`, which every kind needs). */
  required?: readonly RuleName[];
  /** Claim holding the subject's groups (per issuer; `groups` by default). */
  groupsClaim?: string;
  /** A further claim holding scopes, for an issuer that uses another name (per issuer). */
  scopesClaim?: string | null;
  /** No scope claim at all: an empty ceiling (`none`, the default) or the policy's (`policy`). */
  scopesWhenAbsent?: 'none' | 'policy';
  now: number;
}

/**
 * A malformed or missing claim, audited as `claim_invalid` (a client assertion's as
 * `assertion_claim_invalid`, like its other failures); the description names the claim.
 */
function claimError(p: ClaimProfile, description: string): OAuthError {
  return p.error === 'invalid_client'
    ? new OAuthError(p.error, description, { reason: 'assertion_claim_invalid' })
    : new OAuthError(p.error, description, { reason: 'claim_invalid' });
}

function refuse(p: ClaimProfile, claim: string, rule: string): OAuthError {
  return claimError(p, `${p.param} claim '${claim}' must be ${rule}`);
}

/**
 * A scope claim's values: `scope` is a space-separated string (RFC 8693 §4.2, RFC 9068 §2.2.3);
 * `scp` and a configured claim may also be an array (Okta emits `scp` as an array, Entra ID as a
 * space-separated string).
 */
function scopeValues(value: unknown, arrayAllowed: boolean): string[] | undefined {
  const values =
    typeof value === 'string'
      ? value.split(' ').filter((s) => s !== '')
      : arrayAllowed && Array.isArray(value)
        ? (value as unknown[])
        : undefined;
  if (values === undefined || values.length > MAX_SCOPES) return undefined;
  return values.every((s): s is string => typeof s === 'string' && SCOPE_TOKEN.test(s)) ? values : undefined;
}

/**
 * The ceiling from every scope claim present, each of which must be well-formed; several present
 * (say `scope` and `scp`) hold only what they all hold, so a second claim can never widen the first.
 */
function scopeCeiling(raw: Record<string, unknown>, p: ClaimProfile): string[] | undefined {
  let ceiling: string[] | undefined;
  for (const name of new Set(['scope', 'scp', ...(p.scopesClaim ? [p.scopesClaim] : [])])) {
    if (raw[name] === undefined) continue;
    const values = scopeValues(raw[name], name !== 'scope');
    if (values === undefined)
      throw refuse(
        p,
        name,
        name === 'scope'
          ? `a space-separated string of at most ${MAX_SCOPES} scope tokens`
          : `a space-separated string or an array of at most ${MAX_SCOPES} scope tokens`,
      );
    ceiling = ceiling === undefined ? values : ceiling.filter((s) => values.includes(s));
  }
  if (ceiling !== undefined) return [...new Set(ceiling)];
  return p.scopesWhenAbsent === 'policy' ? undefined : [];
}

/**
 * RFC 8693 §4.4: a JSON object of claims identifying who may act. Any other value (null included)
 * names no one, so no actor may act; a member that is not clean text refuses the token.
 */
function mayAct(raw: unknown, p: ClaimProfile): Readonly<Record<string, string>> | undefined {
  if (raw === undefined) return undefined;
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) return {};
  const members = Object.entries(raw);
  if (members.length > 16 || !members.every(([, v]) => text.safeParse(v).success))
    throw refuse(p, 'may_act', 'an object of at most 16 string claims');
  return Object.fromEntries(members) as Record<string, string>;
}

function actNesting(act: unknown): number {
  let depth = 0;
  for (let a = act; typeof a === 'object' && a !== null && depth <= MAX_ACT_NESTING; depth++)
    a = (a as { act?: unknown }).act;
  return depth;
}

/**
 * Reads a verified token's claims into a {@link TokenClaims}, or refuses the token with the
 * profile's error (`invalid_grant`, or `invalid_client` for client assertions).
 */
export function readClaims(raw: Record<string, unknown>, p: ClaimProfile): TokenClaims {
  const ruled: Ruled = {};
  for (const [name, [schema, rule]] of Object.entries(claimRules) as [RuleName, [z.ZodType, string]][]) {
    const value = raw[name];
    if (value === undefined) continue;
    if (name === 'act' && actNesting(value) > MAX_ACT_NESTING)
      throw refuse(p, 'act', `nested at most ${MAX_ACT_NESTING} actors deep`);
    const parsed = schema.safeParse(value);
    if (!parsed.success) throw refuse(p, name, rule);
    (ruled as Record<string, unknown>)[name] = parsed.data;
  }
  for (const name of ['iss', 'sub', 'exp', ...(p.required ?? [])] as const)
    if (ruled[name] === undefined) throw claimError(p, `${p.param} is missing the '${name}' claim`);
  for (const name of ['exp', 'iat', 'nbf', 'auth_time'] as const)
    if ((ruled[name] ?? 0) > p.now + MAX_FUTURE_SECONDS) throw refuse(p, name, 'a time within ten years');

  const groupsClaim = p.groupsClaim ?? 'groups';
  const rawGroups = raw[groupsClaim];
  let groups: string[] = [];
  if (rawGroups !== undefined) {
    const parsed = texts(MAX_GROUPS).safeParse(rawGroups);
    if (!parsed.success) throw refuse(p, groupsClaim, `an array of at most ${MAX_GROUPS} strings`);
    groups = parsed.data;
  }

  const { aud, resource, ...rest } = ruled;
  return {
    ...(rest as Omit<Ruled, 'aud' | 'resource'> & { iss: string; sub: string; exp: number }),
    aud: aud === undefined ? [] : typeof aud === 'string' ? [aud] : aud,
    ...(resource === undefined ? {} : { resource: typeof resource === 'string' ? [resource] : resource }),
    ...(raw.may_act === undefined ? {} : { may_act: mayAct(raw.may_act, p) }),
    scopes: scopeCeiling(raw, p),
    groups,
    others: Object.fromEntries(
      Object.entries(raw).filter(([k]) => !plumbing.has(k) && k !== groupsClaim && k !== p.scopesClaim),
    ),
  };
}
