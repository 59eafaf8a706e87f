/**
 * How the demo tells what happens: one line per hop (who asked whom for what, what came back), the
 * policy's decisions with their reasons, tokens by `jti` and claims (never a raw token), and the
 * audit events under the scene that caused them.
 */
import type { ApiCall } from '../apis/common.js';
import type { ExchangeEvent } from '../mcp/common.js';
import type { Hop } from './ai-client.js';
import type { AuditEvent } from './audit-feed.js';
import type { ApprovalNotice } from '../../src/oauth/approvals/notice.js';

const tty = process.stdout.isTTY === true && process.env.NO_COLOR === undefined;
const paint = (code: string) => (s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
export const bold = paint('1');
const dim = paint('2');
const green = paint('32');
const red = paint('31');
const yellow = paint('33');
const cyan = paint('36');

const out = (line: string) => process.stdout.write(`${line}\n`);
const short = (jti: unknown) => String(jti).slice(0, 10);
const name = (url: string) =>
  url.includes('salesforce-org')
    ? 'Salesforce org API'
    : url.includes('salesforce')
      ? url.includes('mcp.')
        ? 'Salesforce MCP'
        : 'Salesforce API'
      : url.includes('mcp.')
        ? 'Workday MCP'
        : 'Workday API';

export function scene(n: number, title: string): void {
  out('');
  out(bold(`── ${n}. ${title}`));
}

export function note(text: string): void {
  out(`   ${dim(text)}`);
}

export function hop(user: string, h: Hop): void {
  switch (h.kind) {
    case 'challenge':
      out(
        `   AI client → ${name(h.server)}: ${h.status === 401 ? yellow('401') : yellow('403')} ${dim(`WWW-Authenticate: ${h.wwwAuthenticate}`)}`,
      );
      return;
    case 'authorize':
      out(`   AI client → Mandate /authorize  resource=${h.resource} scope="${h.scope}"`);
      out(
        `   ${user} in the browser: ${h.steps.length === 0 ? 'already signed in, consent remembered' : h.steps.map((s) => (s === 'login' ? `signs in at the development IdP as ${user}` : 'approves the consent screen')).join(', then ')}`,
      );
      return;
    case 'token':
      out(
        `   Mandate → AI client: access token ${cyan(`jti=${short(h.jti)}…`)} sub=${user} aud=${String(h.aud)} scope="${h.scope}" expires in ${h.expiresIn}s`,
      );
      return;
  }
}

export function exchange(e: ExchangeEvent): void {
  const who = `${e.server} for ${e.sub}${e.forPolicy === true ? ` (reads what ${e.tool} acts on, for the policy)` : ''}`;
  if (e.outcome === 'refused') {
    out(
      e.polled === true
        ? `   ${who} → Mandate /token (grant urn:openid:params:grant-type:ciba, auth_req_id)`
        : `   ${who} → Mandate /token (RFC 8693 exchange) service=${e.service} scope="${e.scopes.join(' ')}"`,
    );
    out(`   ${red(e.polled === true ? '✗ not approved' : '✗ policy refused')}: ${e.error}: ${e.description}`);
    return;
  }
  if (e.outcome === 'approval_required') {
    out(
      `   ${who} → Mandate /token (RFC 8693 exchange, authorization_details names the call) service=${e.service} scope="${e.scopes.join(' ')}"`,
    );
    out(`   ${yellow('⏸ policy wants a person')}: interaction_required: ${e.description}`);
    return;
  }
  if (e.outcome === 'approval_pending') {
    out(
      `   ${who} → Mandate /bc-authorize (OpenID CIBA, the same request): auth_req_id, open ${e.expiresIn}s; polls /token every ${e.interval}s`,
    );
    return;
  }
  if (e.outcome === 'cached') {
    out(`   ${who}: reuses the cached ${e.service} token ${cyan(`jti=${short(e.jti)}…`)} (no new exchange)`);
    return;
  }
  out(
    e.polled === true
      ? `   ${who} → Mandate /token (grant urn:openid:params:grant-type:ciba, auth_req_id): the approval is in`
      : `   ${who} → Mandate /token (RFC 8693 exchange) service=${e.service} scope="${e.scopes.join(' ')}"`,
  );
  if (e.jti === undefined) {
    // Not Mandate's JWT: the service's own authorization server issued it (a connector's token).
    const extra = Object.entries(e.extra ?? {}).map(([k, v]) => `${k}=${String(v)}`);
    out(
      `   ${green('✓ policy allowed')}: ${e.tokenType} token from the service's own authorization server ${cyan('(opaque)')} scope="${(e.grantedScopes ?? []).join(' ')}" ${extra.join(' ')}`,
    );
    return;
  }
  out(
    `   ${green(e.approved === true ? '✓ approved' : '✓ policy allowed')}: ${e.tokenType} token ${cyan(`jti=${short(e.jti)}…`)} scope="${(e.grantedScopes ?? []).join(' ')}" act=${actChain(e.act)}${e.approved === true ? ' (the CIBA poll: exactly what was decided)' : ''}`,
  );
}

/** Mandate's webhook told the approvers. */
export function notice(n: ApprovalNotice): void {
  out(
    `   Mandate → approvers' inbox (webhook): "${n.binding_message}" for ${n.subject}, ${n.client_id} → ${n.service}${n.tool === undefined ? '' : ` ${n.tool}`}: ${n.approval_url}`,
  );
}

/** The user opened the link and pressed a button. */
export function decided(user: string, page: { asked: string; answer: string; status: number }): void {
  out(
    `   ${user} in the browser: opens the link (signed in already), reads "${page.asked}", presses the button → ${page.status === 200 ? green(page.answer) : red(`${page.status} ${page.answer}`)}`,
  );
}

export function apiCall(c: ApiCall): void {
  const verdict = c.status < 400 ? green(String(c.status)) : red(String(c.status));
  const token =
    c.jti !== undefined
      ? `${c.scheme} token jti=${short(c.jti)}… sub=${c.sub}`
      : c.sub !== undefined
        ? `${c.scheme} token of its own login host, as ${c.sub}`
        : (c.error ?? '');
  out(`   ${name(c.api)} ← ${c.method} ${readable(c.path)}  ${dim(token)} → ${verdict}`);
}

/** A path with its query decoded (the org's SOQL reads better as text). */
function readable(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

export function result(text: string, isError: boolean): void {
  const body = text.length > 400 ? `${text.slice(0, 400)}…` : text;
  const lines = body.split('\n').map((l) => `     ${l}`);
  out(`   ${isError ? red('tool says:') : green('tool result:')}`);
  for (const l of lines) out(dim(l));
}

function actChain(act: unknown): string {
  const names: string[] = [];
  for (
    let a = act as { sub?: unknown; act?: unknown } | undefined;
    a !== undefined && a !== null;
    a = a.act as typeof a
  )
    names.push(String(a.sub));
  return names.join(' ← ') || '(none)';
}

export function audit(events: AuditEvent[]): void {
  for (const e of events) {
    const d = e.data;
    if (e.type === 'dev.mandate.decision') {
      const i = d.input ?? {};
      const allow = d.enforced?.allow === true;
      const target = i.target?.resource ?? i.target?.audience ?? '';
      const reasons = (d.enforced?.reasons ?? [])
        .map((r) => (typeof r === 'string' ? r : ((r as { message?: string }).message ?? '')))
        .filter((r) => r !== '');
      out(
        `   ${dim('audit ▸')} decision ${i.action}${i.context?.tool === undefined ? '' : ` ${i.context.tool}`} ${i.subject?.sub ?? ''} → ${target} [${(i.scopes ?? []).join(' ')}] ${allow ? green(`allow [${(d.enforced?.scopes ?? []).join(' ')}]`) : red('deny')}${d.enforced?.obligations?.require_approval === undefined ? '' : yellow(' once a person approves')}${reasons.length > 0 ? dim(`  (${reasons.join('; ')})`) : ''}`,
      );
    } else {
      const kind = e.type.replace('dev.mandate.', '');
      out(
        `   ${dim('audit ▸')} ${kind} ${d.action ?? ''} ${d.sub ?? e.subject ?? ''}${d.jti === undefined ? '' : ` jti=${short(d.jti)}…`}${d.aud === undefined ? '' : ` aud=${String(d.aud)}`}${d.scope === undefined ? '' : ` scope="${d.scope}"`}${downstream(d.downstream)}${d.approval_id === undefined ? '' : ` approval=${short(d.approval_id)}…`}${d.reason === undefined ? '' : dim(` (${d.reason})`)}`,
      );
    }
  }
}

/** A connector's part of a token event: which service's own server issued (or refused) for whom. */
function downstream(d: AuditEvent['data']['downstream']): string {
  if (d === undefined) return '';
  return ` downstream=${d.kind}:${d.service} as ${d.subject ?? '?'}${d.cached === true ? ' (cached)' : ''}`;
}
