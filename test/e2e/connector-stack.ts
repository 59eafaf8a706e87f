/**
 * The stack of the `salesforce` connector's e2e tests (connectors-audit-down, -cache, -rotation,
 * -workers): the emulator of Salesforce's token endpoint with the org's users, a variant of the
 * default policy that maps each subject to its Salesforce user (`alice` → `alice@acme.example`),
 * the connector's configuration pointing at the emulator, and a test Mandate serving it whose
 * active connector certificate the emulator's connected app holds.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  startSalesforceEmulator,
  type SalesforceEmulator,
  type SalesforceUser,
} from '../../examples/apis/salesforce-login.js';
import type { Queryable } from '../../src/store/db.js';
import { listConnectorKeys } from '../../src/store/connector-keys.js';
import { buildPolicyVariant } from '../helpers/exchange.js';
import { API, startTestService, type TestService, type TestServiceOptions } from '../helpers/service.js';

export interface SalesforceSideOptions {
  /** Names the consumer key, the policy bundle (`connector-<name>-test`) and its folder. */
  name: string;
  /** The org's users by the subject the policy maps to them. */
  users: Record<string, SalesforceUser>;
  /** The emulator's clock, and Mandate's (epoch seconds). */
  now?: () => number;
  /** The connector's settings beyond its service, resource, kind, consumer key and login URL. */
  connector?: Record<string, unknown>;
}

export interface SalesforceSide {
  emu: SalesforceEmulator;
  /** The policy bundle that maps each subject to its Salesforce user. */
  bundle: string;
  /** The `salesforce` connector to the emulator, an entry of `connectors`. */
  connector: Record<string, unknown>;
}

/** The Salesforce user the policy maps a subject to. */
export const orgUser = (sub: string): string => `${sub}@acme.example`;

/** The emulator, the policy and the connector: what a test Mandate or a spawned one is given. */
export async function startSalesforceSide(o: SalesforceSideOptions): Promise<SalesforceSide> {
  const consumerKey = `3MVG9${o.name}.consumer.key`;
  const subs = Object.entries(o.users);
  const emu = await startSalesforceEmulator({
    consumerKey,
    users: Object.fromEntries(subs.map(([sub, user]) => [orgUser(sub), user])),
    ...(o.now === undefined ? {} : { now: o.now }),
  });
  try {
    const bundle = await buildPolicyVariant(
      join(mkdtempSync(join(tmpdir(), `mandate-connector-${o.name}-`)), 'bundle.tar.gz'),
      (data) => {
        data.downstream_subjects = {
          salesforce: Object.fromEntries(subs.map(([sub]) => [sub, orgUser(sub)])),
        };
      },
      `connector-${o.name}-test`,
    );
    const connector = {
      service: 'salesforce',
      resource: API.salesforce,
      kind: 'salesforce',
      consumer_key: consumerKey,
      login_url: emu.loginUrl,
      ...o.connector,
    };
    return { emu, bundle, connector };
  } catch (err) {
    await emu.close();
    throw err;
  }
}

/** The connected app is given the active certificate, as `mandate connectors cert salesforce` prints it. */
export async function trustActiveKey(emu: SalesforceEmulator, db: Queryable): Promise<void> {
  const [active] = await listConnectorKeys(db, 'salesforce');
  emu.setCertificate(active!.certificatePem);
}

export interface ConnectorStack extends SalesforceSide {
  svc: TestService;
  /** Closes Mandate, then the emulator. */
  close(): Promise<void>;
}

/**
 * The emulator, the policy and a test Mandate with the connector (and `service`'s options, its
 * `env` added to), the connected app holding the active certificate unless `trust` is false.
 */
export async function startConnectorStack(
  o: SalesforceSideOptions & { trust?: boolean },
  service: Omit<TestServiceOptions, 'connectors' | 'now'> = {},
): Promise<ConnectorStack> {
  const side = await startSalesforceSide(o);
  let svc: TestService | undefined;
  try {
    svc = await startTestService({
      ...service,
      env: { MANDATE_POLICY_BUNDLE: side.bundle, ...service.env },
      ...(o.now === undefined ? {} : { now: o.now }),
      connectors: [side.connector],
    });
    if (o.trust !== false) await trustActiveKey(side.emu, svc.db.db);
  } catch (err) {
    await svc?.close();
    await side.emu.close();
    throw err;
  }
  const started = svc;
  const close = async () => {
    await started.close();
    await side.emu.close();
  };
  return { ...side, svc: started, close };
}
