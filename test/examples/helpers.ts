/**
 * Helpers for the examples' end-to-end tests: an MCP SDK v2 client for a kit-protected server, tokens
 * signed by the running Mandate's own signer, and the audit events Mandate relayed to its file.
 */
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Client, StreamableHTTPClientTransport } from '@modelcontextprotocol/client';
import { mintAccessToken } from '../../src/oauth/tokens/mint-access-token.js';
import type { TestService } from '../helpers/service.js';

/** A first-hop token as Mandate issues it, for the exchange tests that do not log in. */
export async function userToken(
  ts: TestService,
  opts: { sub: string; groups: string[]; aud: string; scopes: string[]; ttl?: number; now?: number },
): Promise<string> {
  const now = opts.now ?? Math.floor(Date.now() / 1000);
  const { token } = await mintAccessToken(ts.service.ctx.signer, {
    issuer: ts.issuer,
    sub: opts.sub,
    aud: opts.aud,
    clientId: 'claude-desktop',
    scopes: opts.scopes,
    ttlSeconds: opts.ttl ?? 600,
    now,
    extra: { groups: opts.groups, auth_time: now },
  });
  return token;
}

export async function mcpClient(url: string, token: string, fetchImpl: typeof fetch): Promise<Client> {
  const client = new Client({ name: 'mandate-test', version: '1.0.0' });
  await client.connect(
    new StreamableHTTPClientTransport(new URL(url), {
      fetch: fetchImpl,
      requestInit: { headers: { Authorization: `Bearer ${token}` } },
    }),
  );
  return client;
}

/** The text of a tool result, parsed as JSON when it is JSON. */
export function toolText(result: unknown): { isError: boolean; text: string; json: unknown } {
  const r = result as { isError?: boolean; content?: { type: string; text?: string }[] };
  const text = r.content?.[0]?.text ?? '';
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  return { isError: r.isError === true, text, json };
}

export interface AuditEvent {
  id: string;
  type: string;
  subject?: string;
  data: Record<string, unknown> & {
    input?: {
      action?: string;
      subject?: { sub?: string };
      scopes?: string[];
      target?: Record<string, string>;
    };
    enforced?: { allow: boolean; scopes: string[]; reasons: unknown[] };
  };
}

/** Waits until the relay has written events matching every predicate to the JSONL file. */
export async function auditEvents(
  ts: TestService,
  until: (events: AuditEvent[]) => boolean,
  timeoutMs = 10_000,
): Promise<AuditEvent[]> {
  const file = join(ts.dataDir, 'audit.jsonl');
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const text = await readFile(file, 'utf8').catch(() => '');
    const events = text
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => JSON.parse(l) as AuditEvent);
    if (until(events) || Date.now() > deadline) return events;
    await new Promise((r) => setTimeout(r, 100));
  }
}
