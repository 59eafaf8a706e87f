import { describe, expect, it } from 'vitest';
import { tokenEvent } from '../../src/audit/build-events.js';
import { GENESIS_HASH, seal } from '../../src/audit/chain.js';
import type { TokenEvent } from '../../src/audit/events.js';
import { fromToken } from '../../src/audit/ocsf-token.js';
import type { TokenFact } from '../../src/audit/port.js';

const ev = (fact: TokenFact, source = 'https://mandate.example:8443') =>
  seal(tokenEvent(fact, source), 1, GENESIS_HASH) as TokenEvent;

describe('fromToken (OCSF Authentication 3002)', () => {
  it('an issued token: Service Ticket Request, success, OAuth 2.0, the user, the audience as service', () => {
    const o = fromToken(
      ev({
        kind: 'issued',
        action: 'token_exchange',
        client_id: 'mcp',
        sub: 'alice',
        jti: 'j1',
        aud: ['https://a.example', 'https://b.example'],
        scope: 'crm.read',
        act: { sub: 'claude' },
      }),
      '9.9.9',
    );
    expect(o).toMatchObject({
      class_uid: 3002,
      activity_id: 4,
      activity_name: 'Service Ticket Request',
      type_uid: 300204,
      status: 'Success',
      severity_id: 1,
      auth_protocol_id: 6,
      auth_protocol: 'OAUTH 2.0',
      user: { uid: 'alice', name: 'alice' },
      actor: { app_uid: 'mcp', invoked_by: 'claude' },
      dst_endpoint: { svc_name: 'Mandate', hostname: 'mandate.example', port: 8443 },
      service: { name: 'https://a.example https://b.example', uid: 'https://a.example https://b.example' },
      unmapped: { jti: 'j1', scope: 'crm.read' },
    });
    expect(o).not.toHaveProperty('status_detail');
    expect((o.metadata as { product: { version: string } }).product.version).toBe('9.9.9');
  });

  it('activities and outcomes per kind; reuse is high severity, refusal low', () => {
    const row = (kind: TokenFact['kind']) => {
      const o = fromToken(ev({ kind, action: 'a', client_id: 'c' }), 'v');
      return [o.activity_id, o.activity_name, o.status, o.severity_id];
    };
    expect(row('refused')).toEqual([4, 'Service Ticket Request', 'Failure', 2]);
    expect(row('refreshed')).toEqual([5, 'Service Ticket Renew', 'Success', 1]);
    expect(row('revoked')).toEqual([99, 'Token Revoked', 'Success', 1]);
    expect(row('reused')).toEqual([99, 'Refresh Token Reuse Detected', 'Failure', 4]);
    expect(row('approval_requested')).toEqual([99, 'Approval Requested', 'Success', 1]);
    expect(row('approved')).toEqual([99, 'Approval Granted', 'Success', 1]);
    expect(row('approval_denied')).toEqual([99, 'Approval Denied', 'Failure', 1]);
  });

  it('without a user the client is the subject; without a client, the claimed id is only a name', () => {
    expect(
      fromToken(ev({ kind: 'issued', action: 'client_credentials', client_id: 'svc' }), 'v').user,
    ).toEqual({
      uid: 'svc',
      name: 'svc',
      type_id: 99,
      type: 'OAuth Client',
    });
    const refused = fromToken(
      ev({
        kind: 'refused',
        action: 'token_exchange',
        claimed_client_id: 'who',
        error: 'invalid_client',
        reason: 'bad_secret',
      }),
      'v',
    );
    expect(refused.user).toEqual({ name: 'who', type_id: 0, type: 'Unknown' });
    expect(refused).toMatchObject({ status_detail: 'bad_secret', status_code: 'invalid_client' });
    expect(refused).not.toHaveProperty('actor');
    expect(fromToken(ev({ kind: 'refused', action: 'x', claimed_client_id: '' }), 'v').user).toEqual({
      name: 'anonymous',
      type_id: 0,
      type: 'Unknown',
    });
  });
});
