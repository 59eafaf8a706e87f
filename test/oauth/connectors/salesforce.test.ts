/** Salesforce's JWT bearer flow against a real HTTP endpoint: exactly the documented claims. */
import { decodeProtectedHeader, decodeJwt, jwtVerify } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SALESFORCE_LOGIN_URL, salesforceConnector } from '../../../src/oauth/connectors/salesforce.js';
import { ask, connectorKey, settings, startDownstream, type DownstreamServer } from './downstream-server.js';

let down: DownstreamServer;
const key = connectorKey('crm');
beforeAll(async () => {
  down = await startDownstream();
});
afterAll(() => down?.close());

const crm = (over = {}) =>
  settings({
    service: 'crm',
    kind: 'salesforce',
    consumer_key: '3MVG9-key',
    login_url: `${down.url}/`,
    ...over,
  });

describe('salesforceConnector', () => {
  it('posts to <login_url>/services/oauth2/token an RS256 JWT with iss, sub, aud and exp only', async () => {
    down.forms.length = 0;
    down.reply = {
      status: 200,
      body: {
        access_token: 'sf',
        token_type: 'Bearer',
        instance_url: 'https://acme.my.salesforce.com',
        id: 'https://login/id/1',
        extra: 'x',
      },
    };
    const token = await salesforceConnector(crm(), () => key).obtain(ask);
    // No expires_in in Salesforce's answer: the connector's lifetime; instance_url and id passed through.
    expect(token).toMatchObject({ accessToken: 'sf', expiresIn: 900 });
    expect(token.passThrough).toEqual({
      instance_url: 'https://acme.my.salesforce.com',
      id: 'https://login/id/1',
    });
    const form = down.forms[0]!;
    expect([...form.keys()].sort()).toEqual(['assertion', 'grant_type']);
    expect(form.get('grant_type')).toBe('urn:ietf:params:oauth:grant-type:jwt-bearer');
    const assertion = form.get('assertion')!;
    expect(decodeProtectedHeader(assertion)).toEqual({ alg: 'RS256' });
    expect(Object.keys(decodeJwt(assertion)).sort()).toEqual(['aud', 'exp', 'iss', 'sub']);
    const { payload } = await jwtVerify(assertion, key.publicKey, {
      issuer: '3MVG9-key',
      subject: 'alice@svc',
      audience: down.url,
    });
    expect(payload.exp).toBe(ask.now + 120);
  });

  it('passes configured members through as well, once each', async () => {
    down.reply = {
      status: 200,
      body: { access_token: 'sf', token_type: 'Bearer', instance_url: 'i', sfdc_community_url: 'c' },
    };
    const token = await salesforceConnector(
      crm({ pass_through: ['sfdc_community_url', 'instance_url'] }),
      () => key,
    ).obtain(ask);
    expect(token.passThrough).toEqual({ instance_url: 'i', sfdc_community_url: 'c' });
  });

  it('defaults to login.salesforce.com', () => {
    expect(SALESFORCE_LOGIN_URL).toBe('https://login.salesforce.com');
  });
});
