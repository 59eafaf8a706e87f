/**
 * Generates docs/audit.md's list of refusal reasons from the catalogue (refusals.ts), so the list
 * cannot drift from the code (test/oauth/refusals-doc.test.ts fails when the committed file is stale).
 * Regenerate: `npx tsx src/oauth/refusals-doc.ts --write` (without `--write` it prints the section).
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { DPOP_REASONS } from '@mandate/mcp-kit';
import {
  FETCH_FAILURES,
  JWT_FAILURES,
  REFUSAL_FAMILIES,
  REFUSALS,
  type Refusal,
  type RefusalFamily,
} from './refusals.js';

/** The markers around the generated section in docs/audit.md. */
export const BEGIN =
  '<!-- refusal reasons: generated from src/oauth/refusals.ts by `npx tsx src/oauth/refusals-doc.ts --write`; do not edit -->';
export const END = '<!-- end of refusal reasons -->';

const cell = (text: string) => text.replace(/\|/g, '\\|');
const code = (e: string) => `\`${e}\``;

/** A reason's row: its wire error (a second one with why, in its meaning), or a family's errors. */
export function row(reason: string, r: Refusal | RefusalFamily): string {
  if ('errors' in r) return `| \`${reason}\` | ${r.errors.map(code).join(', ')} | ${cell(r.meaning)} |`;
  const also = r.alsoSentAs;
  const sentAs = also === undefined ? code(r.error) : `${code(r.error)}, ${code(also.error)}`;
  const meaning = also === undefined ? r.meaning : `${r.meaning}; \`${also.error}\` ${also.why}`;
  return `| \`${reason}\` | ${sentAs} | ${cell(meaning)} |`;
}

function table(entries: [string, Refusal | RefusalFamily][]): string[] {
  return ['| reason | sent as | meaning |', '|---|---|---|', ...entries.map(([reason, r]) => row(reason, r))];
}

function plain(head: string, entries: [string, string][]): string[] {
  return [`| ${head} | meaning |`, '|---|---|', ...entries.map(([k, m]) => `| \`${k}\` | ${cell(m)} |`)];
}

/** The generated section: every catalogued reason, the families, and the families' members. */
export function refusalReference(): string {
  return [
    BEGIN,
    '',
    'A refused request’s event carries `error` (the OAuth error on the wire) and `reason`, one of these;',
    'each reason means one thing and is sent as one wire error (one, `dpop_required`, as a second where',
    'a profile says so).',
    'At the token endpoint, a refusal without a reason of its own (a malformed parameter) has its',
    'description as `reason`.',
    '',
    ...table(Object.entries(REFUSALS)),
    '',
    'Families, whose reason has a part that varies:',
    '',
    ...table(Object.entries(REFUSAL_FAMILIES)),
    '',
    'JWT failures (`claim_<name>`: a claim jose rejected, e.g. `claim_iss`; `err_<code>`: another jose',
    'error, e.g. `err_jws_invalid`):',
    '',
    ...table(Object.entries(JWT_FAILURES)),
    '',
    'Fetch failures (`status_<n>`: the host answered HTTP `n`, an outage when 5xx):',
    '',
    ...plain('fetch failure', Object.entries(FETCH_FAILURES)),
    '',
    'DPoP reasons:',
    '',
    ...plain('DPoP reason', Object.entries(DPOP_REASONS)),
    '',
    END,
  ].join('\n');
}

/** `doc` with its generated section replaced by `section`; throws when the markers are missing. */
export function withSection(doc: string, section: string): string {
  const start = doc.indexOf(BEGIN);
  const end = doc.indexOf(END);
  if (start < 0 || end < start) throw new Error('docs/audit.md has no refusal reasons markers');
  return doc.slice(0, start) + section + doc.slice(end + END.length);
}

if (process.argv[1] !== undefined && import.meta.url === new URL(`file://${process.argv[1]}`).href) {
  if (process.argv.includes('--write')) {
    const path = new URL('../../docs/audit.md', import.meta.url);
    writeFileSync(path, withSection(readFileSync(path, 'utf8'), refusalReference()));
  } else process.stdout.write(`${refusalReference()}\n`);
}
