/**
 * `npm start`: validates configuration (exact message and exit status 1 on error), builds the service
 * and listens. With MANDATE_WORKERS > 1, node:cluster runs that many workers on one port.
 *
 * SIGTERM (or SIGINT) drains: requests already accepted are answered, new ones get 503
 * `temporarily_unavailable` with Retry-After until the listener closes (src/http/drain.ts), then
 * the service closes (audit flushed, relay stopped) and the process exits 0. The primary of a
 * cluster runs the machine's one audit chain writer (wiring/cluster-writer.ts), passes the signal
 * on to its workers, and closes the writer and exits when they have. A second signal ends the
 * process at once.
 */
// First: the development IdP's plain-text warnings become JSON lines before it is loaded.
import './ops/console.js';
import cluster from 'node:cluster';
import { ConfigError, loadConfig, type Config } from './config/index.js';
import { describeUnknown } from './config/unknown.js';
import { createLogger } from './log.js';
import { serveClusterMetrics, workerMetrics } from './ops/cluster-metrics.js';
import { setConsoleSink } from './ops/console.js';
import { serveMetricsPort } from './ops/metrics-server.js';
import { workerExecArgv } from './ops/worker-heap.js';
import { createService } from './service.js';
import { clusterWriterClient, startClusterWriter } from './wiring/cluster-writer.js';

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
setConsoleSink((level, msg) => log[level](msg, { source: 'oidc-provider' }));
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
  // The workers' metrics, summed: for scrapes workers pass on, and on a port of its own.
  const clusterText = serveClusterMetrics();
  if (typeof config.metrics === 'object')
    await serveMetricsPort(config.metrics.port, config.host, clusterText, log).catch((err: unknown) =>
      fail(
        `MANDATE_METRICS_PORT: cannot listen on ${config.host}:${(config.metrics as { port: number }).port}: ${String(err)}`,
      ),
    );
  // The machine's one audit chain writer (src/audit/cluster-writer.ts), before any worker starts.
  const writer = await startClusterWriter(config, log).catch((err: unknown) =>
    fail(err instanceof Error ? err.message : String(err)),
  );
  // A larger young generation for the workers (src/ops/worker-heap.ts), unless one was chosen.
  cluster.setupPrimary({ execArgv: workerExecArgv(process.execArgv, process.env.NODE_OPTIONS) });
  for (let i = 0; i < config.workers; i++) cluster.fork();
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    // A worker still starting has no handler yet: the signal passed on ends it, which is fine.
    const clean = code === 0 || (stopping && signal !== null);
    if (stopping) log.info('worker stopped', { pid: worker.process.pid, code, signal });
    else log.error('worker exited', { pid: worker.process.pid, code, signal });
    if (!clean) process.exitCode = 1;
    // The workers flushed their audit through the writer before exiting: now it can close.
    if (stopping && Object.keys(cluster.workers ?? {}).length === 0)
      void writer.close().finally(() => process.exit());
  });
  const stopWorkers = (signal: NodeJS.Signals) => {
    stopping = true;
    log.info('shutting down workers', { signal });
    for (const worker of Object.values(cluster.workers ?? {})) worker?.process.kill(signal);
  };
  process.once('SIGTERM', () => stopWorkers('SIGTERM'));
  process.once('SIGINT', () => stopWorkers('SIGINT'));
} else {
  try {
    const service = await createService(
      config,
      log,
      cluster.isWorker
        ? { worker: { writer: clusterWriterClient(config), standbyRelay: cluster.worker?.id !== 1 } }
        : {},
    );
    if (cluster.isWorker) service.metrics.useText(workerMetrics(service.metrics.registry));
    else if (typeof config.metrics === 'object')
      await serveMetricsPort(config.metrics.port, config.host, () => service.metrics.text(), log);
    await service.app.listen({ port: config.port, host: config.host });
    log.info('Mandate is listening', {
      issuer: config.issuer,
      address: `http://${config.host}:${config.port}`,
      metadata: `${config.issuer}/.well-known/oauth-authorization-server`,
    });
    const stop = (signal: string) => {
      log.info('shutting down: draining', { signal, ...config.shutdown });
      service.shutdown(config.shutdown).then(
        (drained) => {
          if (drained.timedOut) log.warn('shutdown: drain timed out', { in_flight: drained.inFlight });
          log.info('shut down');
          process.exit(0);
        },
        (err: unknown) => {
          log.error('shutdown failed', { error: String(err) });
          process.exit(1);
        },
      );
    };
    process.once('SIGTERM', () => stop('SIGTERM'));
    process.once('SIGINT', () => stop('SIGINT'));
  } catch (err) {
    fail(err instanceof Error ? err.message : String(err));
  }
}
