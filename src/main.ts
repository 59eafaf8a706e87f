/**
 * `npm start`: validates configuration (exact message and exit status 1 on error), builds the service
 * and listens. With MANDATE_WORKERS > 1, node:cluster runs that many workers on one port.
 */
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { describeUnknown } from './config/unknown.js';
import { createLogger } from './log.js';
import { createService } from './service.js';

function fail(message: string): never {
  process.stderr.write(`mandate: ${message}\n`);
  process.exit(1);
}

let config: Config;
try {
  config = loadConfig();
} catch (err) {
  if (err instanceof ConfigError) fail(`configuration error\n${err.message}`);
  throw err;
}
const log = createLogger(config.logLevel);
// Once per start, not once per worker.
if (cluster.isPrimary)
  for (const u of config.unknownVariables)
    log.warn(describeUnknown(u), {
      variable: u.variable,
      ...(u.suggestion ? { suggestion: u.suggestion } : {}),
    });

if (cluster.isPrimary && config.workers > 1) {
  log.info('starting workers', { workers: config.workers });
  if (config.upstream === undefined)
    log.warn(
      'the development IdP keeps its login state in one process, so logins can fail with several workers: set UPSTREAM_OIDC_ISSUER',
      { workers: config.workers },
    );
  for (let i = 0; i < config.workers; i++) cluster.fork();
  cluster.on('exit', (worker, code) => {
    log.error('worker exited', { pid: worker.process.pid, code });
    if (code !== 0) process.exitCode = 1;
  });
} else {
  try {
    const service = await createService(config, log);
    await service.app.listen({ port: config.port, host: config.host });
    log.info('Mandate is listening', {
      issuer: config.issuer,
      address: `http://${config.host}:${config.port}`,
      metadata: `${config.issuer}/.well-known/oauth-authorization-server`,
    });
    const stop = (signal: string) => {
      log.info('shutting down', { signal });
      service.close().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}
