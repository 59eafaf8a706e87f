/**
 * The token endpoint's answer when the audit port refuses an issuance: a record holding a value no
 * column can hold (store/tokens.ts checks it before it joins a group commit) is refused as
 * `invalid_grant` for what the grant presented, and the refusal is recorded; only a store that is
 * really unavailable is 503 (issue 10 §2).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEntry, AuditPort } from '../../../src/audit/port.js';
import { IssuedRecordError } from '../../../src/store/tokens.js';
import { salesforceExchange, subjectClaims } from '../../helpers/exchange.js';
import { startTestService, type TestService } from '../../helpers/service.js';

describe('token endpoint: an issuance the audit log cannot record', () => {
  let svc: TestService;
  const committed: AuditEntry[] = [];
  const audit: AuditPort = {
    async commit(entry) {
      if (entry.issued !== undefined) throw new IssuedRecordError('sub');
      committed.push(entry);
    },
    async close() {},
  };
  beforeAll(async () => {
    svc = await startTestService({ audit });
  });
  afterAll(async () => svc?.close());

  it('is refused as invalid_grant, not 503, and the refusal is recorded', async () => {
    const res = await salesforceExchange(svc, {
      subject_token: await svc.idp.mint(subjectClaims(svc), { typ: 'at+jwt' }),
      scope: 'crm.read',
    });
    expect({ status: res.status, body: res.body }).toEqual({
      status: 400,
      body: { error: 'invalid_grant', error_description: 'the token would carry a sub no record can hold' },
    });
    expect(committed.at(-1)?.tokens).toMatchObject([
      { kind: 'refused', error: 'invalid_grant', reason: 'unrecordable_issuance' },
    ]);
  });
});
