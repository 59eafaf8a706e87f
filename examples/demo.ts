/**
 * `npm run demo`: Mandate (embedded defaults, or the local Postgres and NATS when DATABASE_URL and
 * NATS_URL answer), the development IdP, both example MCP servers and both APIs, a Salesforce org
 * (login host and API) and the approvers' inbox, and an MCP SDK client acting for alice, bob and
 * carol; prints the story of every hop, then stops everything it started.
 */
import { startMandate } from './demo/mandate.js';
import { runDemo } from './demo/run.js';

const deadline = setTimeout(() => {
  process.stderr.write('demo: did not finish within 90 s\n');
  process.exit(1);
}, 90_000);
deadline.unref();

const mandate = await startMandate();
let failed = false;
try {
  await runDemo(mandate);
} catch (err) {
  failed = true;
  process.stderr.write(`demo failed: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
} finally {
  await mandate.close();
}
process.exit(failed ? 1 : 0);
