/**
 * What the demo sets up for the connector-backed service (docs/connectors.md, kind `salesforce`):
 * Salesforce's login host (the token endpoint emulator, examples/apis/salesforce-login.ts) standing
 * in for `https://login.salesforce.example` with the org's users; the connected app's certificate,
 * uploaded as an administrator would, from `mandate connectors cert salesforce-org`; and the policy
 * bundle, the shipped one with examples/policy/data.json, which says who each user is in the org.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { SALESFORCE_ORG } from '../apis/salesforce-org.js';
import { startSalesforceEmulator, type SalesforceEmulator } from '../apis/salesforce-login.js';
import { defaultBundlePath } from '../../src/config/paths.js';
import { run as connectorsCli } from '../../src/keys/connectors-cli.js';
import { parseBundle } from '../../src/policy/bundle.js';
import { packBundle } from '../../src/policy/pack.js';

export const ORG_SERVICE = 'salesforce-org';
export const SALESFORCE_LOGIN = 'https://login.salesforce.example';
export const POLICY_DATA = resolve(import.meta.dirname, '..', 'policy', 'data.json');

interface FileConnector {
  service: string;
  consumer_key?: string;
  login_url?: string;
}

/**
 * examples/mandate.json with the connector's `login_url` on the local login host: Mandate's own
 * calls have no hosts table (examples/lib/hosts.ts serves the MCP servers' and the APIs' names).
 */
export async function startSalesforceLogin(
  configFile: string,
  dataDir: string,
): Promise<{ login: SalesforceEmulator; configFile: string }> {
  const config = JSON.parse(await readFile(configFile, 'utf8')) as { connectors?: FileConnector[] };
  const connector = config.connectors?.find((c) => c.service === ORG_SERVICE);
  if (connector?.consumer_key === undefined || connector.login_url !== SALESFORCE_LOGIN)
    throw new Error(`${configFile} has no salesforce connector for ${ORG_SERVICE} at ${SALESFORCE_LOGIN}`);
  // The org's users; the connected app is pre-authorized for both (its Permitted Users policy).
  const login = await startSalesforceEmulator({
    consumerKey: connector.consumer_key,
    instanceUrl: SALESFORCE_ORG,
    users: {
      'alice@acme.example': { approved: true, userId: '0055e000001AliceAAA' },
      'dave@acme.example': { approved: true, userId: '0055e000001DaveAAAA' },
    },
  });
  connector.login_url = login.loginUrl;
  const local = join(dataDir, 'mandate.json');
  await writeFile(local, JSON.stringify(config, null, 2));
  return { login, configFile: local };
}

/**
 * Uploads the connector's certificate to the connected app, as `mandate connectors cert` prints it;
 * run before the service starts (it creates the key then, in the store the service will open).
 */
export async function uploadCertificate(
  env: Record<string, string | undefined>,
  login: SalesforceEmulator,
): Promise<void> {
  const lines: string[] = [];
  const errors: string[] = [];
  const code = await connectorsCli(['cert', ORG_SERVICE], {
    env,
    out: (l) => lines.push(l),
    err: (l) => errors.push(l),
  });
  if (code !== 0) throw new Error(`mandate connectors cert ${ORG_SERVICE}: ${errors.join('; ')}`);
  login.setCertificate(lines.join('\n'));
}

/**
 * The shipped policy bundle with examples/policy/data.json as a second data document at
 * `data.mandate` (OPA merges a bundle's data files by path): the same compiled policy, deciding
 * with the examples' identity mapping. Its revision says so in every decision event.
 */
export async function demoBundle(dataDir: string): Promise<string> {
  const shipped = await parseBundle(await readFile(defaultBundlePath()));
  const files = new Map(shipped.files);
  files.set('mandate/data.json', await readFile(POLICY_DATA));
  const revision = `${String(shipped.manifest.revision ?? 'default')}+examples`;
  files.set('.manifest', Buffer.from(JSON.stringify({ ...shipped.manifest, revision })));
  const out = join(dataDir, 'policy.tar.gz');
  await writeFile(out, await packBundle(files));
  return out;
}
