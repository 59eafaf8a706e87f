/**
 * Helpers shared by the token-exchange tests: request building over real HTTP, subject tokens from
 * the test IdP, and variants of the default policy built with `mandate policy build`.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildPolicy, writeBundle } from '../../src/policy/build.js';
import { opaBin } from '../policy/helpers.js';
import { API, basic, form, MCP, SECRETS, type TestService } from './service.js';

export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export const TOKEN_EXCHANGE = 'urn:ietf:params:oauth:grant-type:token-exchange';
export const ACCESS_TOKEN = 'urn:ietf:params:oauth:token-type:access_token';
export const JWT_TYPE = 'urn:ietf:params:oauth:token-type:jwt';

export const nowSeconds = (): number => Math.floor(Date.now() / 1000);

export type FormParams = Record<string, string | string[] | undefined>;

export interface WireResult {
  status: number;
  headers: Headers;
  body: Record<string, unknown>;
  text: string;
}

export async function post(
  url: string,
  body: string,
  headers: Record<string, string> = {},
): Promise<WireResult> {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', ...headers },
    body,
  });
  const text = await res.text();
  let parsed: Record<string, unknown> = {};
  try {
    parsed = JSON.parse(text) as Record<string, unknown>;
  } catch {
    parsed = {};
  }
  return { status: res.status, headers: res.headers, body: parsed, text };
}

/** A token-exchange request from mcp-salesforce (client_secret_basic), with overridable parameters. */
export function salesforceExchange(svc: TestService, params: FormParams): Promise<WireResult> {
  return post(
    svc.tokenEndpoint,
    form({
      grant_type: TOKEN_EXCHANGE,
      subject_token_type: ACCESS_TOKEN,
      resource: API.salesforce,
      ...params,
    }),
    { authorization: basic('mcp-salesforce', SECRETS.salesforce) },
  );
}

/** Claims of a typical subject token: alice (sales) through claude-desktop, for the Salesforce MCP server. */
export function subjectClaims(
  svc: TestService,
  overrides: Record<string, unknown> = {},
): Record<string, unknown> {
  const now = nowSeconds();
  return {
    iss: svc.idp.issuer,
    sub: 'alice',
    aud: MCP.salesforce,
    client_id: 'claude-desktop',
    groups: ['sales'],
    scope: 'crm.read crm.write',
    iat: now,
    exp: now + 600,
    jti: `subj-${Math.random().toString(36).slice(2)}`,
    ...overrides,
  };
}

/** The parts of `data.mandate` (rego/README.md, "Data") that tests change. */
export interface PolicyData {
  actors: Record<string, { services: string[] }>;
  group_scopes: Record<string, string[]>;
  services: Record<string, Record<string, unknown>>;
  [key: string]: unknown;
}

/**
 * Builds a copy of the default policy whose data (`data.mandate`) `mutate` changed, with
 * `mandate policy build`, into `out` (written atomically).
 */
export async function buildPolicyVariant(
  out: string,
  mutate: (data: PolicyData) => void,
  revision: string,
): Promise<string> {
  const src = mkdtempSync(join(tmpdir(), 'mandate-rego-'));
  cpSync(join(repoRoot, 'rego'), src, { recursive: true });
  // The default policy's samples expect the default data; a variant decides otherwise.
  rmSync(join(src, 'samples'), { recursive: true, force: true });
  const dataPath = join(src, 'mandate', 'data.json');
  const data = JSON.parse(readFileSync(dataPath, 'utf8')) as PolicyData;
  mutate(data);
  writeFileSync(dataPath, JSON.stringify(data, null, 2));
  const built = await buildPolicy({ dir: src, revision, opaPath: opaBin() });
  if (!built.report.ok) throw new Error(built.report.problems.join('; '));
  await writeBundle(out, built.bytes);
  return out;
}

/** Polls `probe` until it returns true or `timeoutMs` passes; returns whether it succeeded. */
export async function eventually(
  probe: () => Promise<boolean>,
  timeoutMs = 10_000,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await probe()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
