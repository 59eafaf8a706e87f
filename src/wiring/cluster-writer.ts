/**
 * The machine's one audit chain writer, with MANDATE_WORKERS > 1 (src/audit/cluster-writer.ts says
 * why): in the primary, the database (migrated here, once, before the workers start), a group
 * commit on the chain writer, and the cluster channel's answers; in a worker, the client the
 * outbox writes through.
 */
import cluster from 'node:cluster';
import {
  answerClusterWrite,
  createClusterWriterClient,
  type PrimaryChannel,
} from '../audit/cluster-writer.js';
import { createGroupCommit, type BatchWriter } from '../audit/group-commit.js';
import { createChainWriter } from '../audit/outbox-write.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../log.js';
import { openDb } from '../store/index.js';

/** The primary's writer issues one statement at a time, and a transaction when contended. */
const PRIMARY_POOL = 2;

/** In the primary: opens the database and answers the workers' batches until closed. */
export async function startClusterWriter(config: Config, log: Logger): Promise<{ close(): Promise<void> }> {
  const db = await openDb({
    ...(config.databaseUrl ? { databaseUrl: config.databaseUrl } : {}),
    dataDir: config.dataDir,
    log,
    postgres: { ...config.database, max: PRIMARY_POOL },
  });
  const group = createGroupCommit(createChainWriter(db), log);
  cluster.on('message', (worker, message: unknown) => {
    answerClusterWrite(group, log, message, (answer) => {
      // A worker that died meanwhile cannot be answered; its requests died with it.
      if (worker.isConnected()) worker.send(answer, undefined, () => undefined);
    });
  });
  log.info('audit: one chain writer for the workers of this machine', { workers: config.workers });
  return {
    close: async () => {
      await group.close();
      await db.close();
    },
  };
}

/**
 * In a worker: the outbox's batch writer, through the primary. Its deadline covers what the
 * primary's writer may take: a connection, three optimistic statements, the locked transaction.
 */
export function clusterWriterClient(config: Config): BatchWriter {
  const t = config.database.timeouts;
  return createClusterWriterClient(processChannel(), {
    timeoutMs: t.acquireMs + 3 * t.statementMs + t.transactionMs,
  });
}

function processChannel(): PrimaryChannel {
  return {
    send(message, failed) {
      process.send?.(message, undefined, {}, (err: Error | null) => {
        if (err) failed(err);
      });
    },
    onMessage: (listener) => process.on('message', listener),
    onDisconnect: (listener) => process.on('disconnect', listener),
  };
}
