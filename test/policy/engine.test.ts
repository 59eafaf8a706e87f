import { join } from 'node:path';
import { beforeAll, afterAll, describe, expect, it } from 'vitest';
import { createMemoryLogger } from '../../src/log.js';
import { createDecisionService } from '../../src/policy/engine.js';
import type { PolicyDecisionService } from '../../src/policy/engine.js';
import type { DecisionInput } from '../../src/policy/contract.js';
import { reasonCode } from '../../src/policy/reasons.js';
import { NOW, buildBundle, input, tempDir } from './helpers.js';

let service: PolicyDecisionService;
const sfMcp = 'https://mcp.salesforce.example/mcp';
const wdMcp = 'https://mcp.workday.example/mcp';
const wdApi = 'https://api.workday.example';

beforeAll(async () => {
  const bundlePath = await buildBundle(join(tempDir(), 'bundle.tar.gz'), { revision: 'test-rev' });
  service = await createDecisionService({
    bundlePath,
    log: createMemoryLogger(),
    now: () => 1_700_000_000_000,
  });
});
afterAll(() => service.close());

const codes = (d: { reasons: Parameters<typeof reasonCode>[0][] }): string[] => d.reasons.map(reasonCode);

describe('decision envelope', () => {
  it('carries id, path, bundle, timestamp, metrics and the raw result', () => {
    const d = service.decide(input());
    expect(d.decision_id).toMatch(/^[0-9a-f-]{36}$/);
    expect(d.path).toBe('mcp/authz/decision');
    expect(d.bundle.revision).toBe('test-rev');
    expect(d.bundle.digest).toMatch(/^[0-9a-f]{64}$/);
    expect(d.bundle).toEqual(service.bundle());
    expect(d.timestamp).toBe('2023-11-14T22:13:20.000Z');
    expect(d.metrics.timer_eval_ns).toBeGreaterThan(0);
    expect(d.result).toMatchObject({ allow: true, scopes: ['crm.read'] });
    expect(service.ready()).toBe(true);
    expect(service.decide(input()).decision_id).not.toBe(d.decision_id);
  });
});

describe('token_exchange', () => {
  it('allows the salesforce MCP server to get crm scopes for a sales user', () => {
    const d = service.decide(input({ scopes: ['crm.read', 'crm.write'] }));
    expect(d).toMatchObject({
      allow: true,
      scopes: ['crm.read', 'crm.write'],
      ttl_seconds: 300,
      reasons: [],
    });
    expect(d.obligations.require_dpop).toBe(false);
  });

  it('narrows to what the groups allow and explains what was dropped', () => {
    const d = service.decide(
      input({
        subject: { sub: 'carol', iss: 'x', groups: ['engineering'], claims: {} },
        scopes: ['crm.write', 'crm.read'],
      }),
    );
    expect(d).toMatchObject({ allow: true, scopes: ['crm.read'] });
    expect(d.reasons).toEqual([
      { code: 'scope_dropped', message: "scope crm.write: not allowed for the subject's groups" },
    ]);
  });

  it.each<[string, Partial<DecisionInput>, string]>([
    ['unknown audience', { target: { audience: 'https://api.github.example' } }, 'unknown_target'],
    ['no target', { target: {} }, 'unknown_target'],
    [
      'resource and audience disagree',
      { target: { resource: 'https://api.salesforce.example', audience: wdApi } },
      'unknown_target',
    ],
    ['wrong actor', { actor: { sub: 'mcp-workday', client_id: 'mcp-workday' } }, 'actor_not_allowed'],
    ['no actor', { actor: undefined }, 'actor_not_allowed'],
    ['no grantable scope', { scopes: ['hr.records.read'] }, 'scope_not_allowed'],
  ])('denies: %s', (_name, overrides, code) => {
    const d = service.decide(input(overrides));
    expect(d.allow).toBe(false);
    expect(d.scopes).toEqual([]);
    expect(d.ttl_seconds).toBe(0);
    expect(codes(d)).toContain(code);
  });

  it('requires DPoP for workday and sets the obligation', () => {
    const wd = {
      actor: { sub: 'mcp-workday', client_id: 'mcp-workday' },
      target: { resource: wdApi },
      scopes: ['hr.timeoff.read'],
    };
    const refused = service.decide(input(wd));
    expect(refused.allow).toBe(false);
    expect(codes(refused)).toEqual(['dpop_required']);
    const ok = service.decide(input({ ...wd, context: { dpop_jkt: 'jkt' } }));
    expect(ok).toMatchObject({
      allow: true,
      scopes: ['hr.timeoff.read'],
      obligations: { require_dpop: true },
    });
  });

  it('never grants beyond the subject token scopes, nor beyond its lifetime', () => {
    const d = service.decide(
      input({
        subject: {
          sub: 'alice',
          iss: 'x',
          groups: ['sales'],
          claims: {},
          scopes: ['crm.read'],
          exp: NOW + 30,
        },
        scopes: ['crm.read', 'crm.write'],
      }),
    );
    expect(d).toMatchObject({ allow: true, scopes: ['crm.read'], ttl_seconds: 30 });
    expect(d.reasons).toContainEqual({
      code: 'scope_dropped',
      message: 'scope crm.write: not in the subject token',
    });
  });
});

describe('first hop', () => {
  const hop = (action: DecisionInput['action'], o: Partial<DecisionInput> = {}): DecisionInput =>
    input({ action, actor: undefined, target: { resource: sfMcp }, ...o });

  it.each(['authorize', 'refresh', 'jwt_bearer'] as const)(
    '%s: allowed to a registered MCP server',
    (action) => {
      expect(service.decide(hop(action))).toMatchObject({
        allow: true,
        scopes: ['crm.read'],
        ttl_seconds: 3600,
      });
    },
  );

  it('refuses dynamic clients where the server does not accept them', () => {
    const d = service.decide(
      hop('authorize', {
        client: { client_id: 'dyn', trust: 'dynamic' },
        target: { resource: wdMcp },
        scopes: ['hr.profile.read'],
      }),
    );
    expect(d.allow).toBe(false);
    expect(codes(d)).toEqual(['client_not_allowed']);
  });

  it('refuses an unknown resource', () => {
    expect(
      codes(service.decide(hop('authorize', { target: { resource: 'https://evil.example/mcp' } }))),
    ).toContain('unknown_target');
  });

  it('a refresh after leaving the group loses the scope', () => {
    const d = service.decide(hop('refresh', { subject: { sub: 'alice', iss: 'x', groups: [], claims: {} } }));
    expect(d.allow).toBe(false);
    expect(codes(d)).toContain('scope_not_allowed');
  });
});

describe('id_jag', () => {
  const jag = (o: Partial<DecisionInput> = {}): DecisionInput =>
    input({
      action: 'id_jag',
      actor: undefined,
      target: { audience: 'https://as.partner-crm.example', resource: 'https://api.partner-crm.example' },
      scopes: ['partner.read'],
      ...o,
    });
  it('allows a listed (audience, resource) pair', () => {
    expect(service.decide(jag())).toMatchObject({ allow: true, scopes: ['partner.read'], ttl_seconds: 300 });
  });
  it('refuses an unlisted pair and an unlisted client', () => {
    expect(codes(service.decide(jag({ target: { audience: 'https://as.other.example' } })))).toEqual([
      'unknown_target',
    ]);
    expect(codes(service.decide(jag({ client: { client_id: 'x', trust: 'registered' } })))).toEqual([
      'client_not_allowed',
    ]);
  });
});

describe('tool_call', () => {
  const tool = (name: string, scopes: string[], attributes?: Record<string, unknown>): DecisionInput =>
    input({
      action: 'tool_call',
      actor: undefined,
      target: { resource: sfMcp },
      scopes,
      context: { tool: name, ...(attributes === undefined ? {} : { attributes }) },
    });
  it('allows a tool whose scopes the token carries', () => {
    expect(service.decide(tool('search_accounts', ['crm.read']))).toMatchObject({
      allow: true,
      scopes: ['crm.read'],
    });
  });
  it('refuses with insufficient_scope otherwise, and unknown tools', () => {
    const own = { owner: 'alice', amount: 120_000 };
    expect(codes(service.decide(tool('update_opportunity_stage', ['crm.read'], own)))).toEqual([
      'insufficient_scope',
    ]);
    expect(codes(service.decide(tool('rm_rf', ['crm.read'])))).toEqual(['unknown_tool']);
  });
});

describe('input validation', () => {
  it('denies invalid input with invalid_input, naming the field', () => {
    const bad = { ...input(), action: 'password' } as unknown as DecisionInput;
    const d = service.decide(bad);
    expect(d.allow).toBe(false);
    expect(d.reasons).toHaveLength(1);
    expect(reasonCode(d.reasons[0]!)).toBe('invalid_input');
    expect(JSON.stringify(d.reasons[0])).toContain('action');
    expect(d.result).toBeUndefined();
  });
  it('denies a non-object', () => {
    expect(codes(service.decide(null as unknown as DecisionInput))).toEqual(['invalid_input']);
  });
});

describe('start-up', () => {
  it('throws a clear error for a missing bundle', async () => {
    await expect(
      createDecisionService({ bundlePath: join(tempDir(), 'nope.tar.gz'), log: createMemoryLogger() }),
    ).rejects.toThrow(/policy bundle .*nope\.tar\.gz cannot be loaded: .*ENOENT/);
  });
  it('throws for an entrypoint the bundle does not have', async () => {
    const bundlePath = await buildBundle(join(tempDir(), 'b.tar.gz'));
    await expect(
      createDecisionService({ bundlePath, entrypoint: 'mcp/authz/nothing', log: createMemoryLogger() }),
    ).rejects.toThrow(/entrypoint mcp\/authz\/nothing is not in the bundle/);
  });
});
