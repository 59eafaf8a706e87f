/**
 * /metrics over node:cluster workers (MANDATE_WORKERS > 1): prom-client's AggregatorRegistry in
 * the primary asks every worker for its registry and sums them (its own per-metric rules for
 * Node's process metrics). A worker that receives a scrape on the main port asks the primary over
 * the cluster channel, so the answer is the cluster's whichever worker took the request.
 */
import cluster from 'node:cluster';
import { randomUUID } from 'node:crypto';
import { AggregatorRegistry, type Registry } from 'prom-client';

const ASK = 'mandate:metrics:ask';
const ANSWER = 'mandate:metrics:answer';
/** A scrape that waits longer than this is answered with an error rather than hang. */
const ASK_TIMEOUT_MS = 10_000;

interface Ask {
  type: typeof ASK;
  id: string;
}
interface Answer {
  type: typeof ANSWER;
  id: string;
  text?: string;
  error?: string;
}

/** In the primary: answers workers' scrapes with the cluster's metrics; returns how to read them. */
export function serveClusterMetrics(): () => Promise<string> {
  const aggregator = new AggregatorRegistry();
  cluster.on('message', (worker, message: unknown) => {
    const m = message as Partial<Ask> | null;
    if (m?.type !== ASK || typeof m.id !== 'string') return;
    const id = m.id;
    aggregator.clusterMetrics().then(
      (text) => worker.send({ type: ANSWER, id, text } satisfies Answer),
      (err: unknown) => worker.send({ type: ANSWER, id, error: String(err) } satisfies Answer),
    );
  });
  return () => aggregator.clusterMetrics();
}

/** In a worker: makes `registry` the one the primary collects, and returns how to ask for all. */
export function workerMetrics(registry: Registry): () => Promise<string> {
  AggregatorRegistry.setRegistries([registry]);
  // prom-client answers the primary's collection requests once an AggregatorRegistry exists here.
  new AggregatorRegistry();
  return () =>
    new Promise<string>((resolve, reject) => {
      const id = randomUUID();
      const timer = setTimeout(() => {
        process.off('message', onMessage);
        reject(new Error('the cluster primary did not answer the metrics request'));
      }, ASK_TIMEOUT_MS);
      const onMessage = (message: unknown) => {
        const m = message as Partial<Answer> | null;
        if (m?.type !== ANSWER || m.id !== id) return;
        clearTimeout(timer);
        process.off('message', onMessage);
        if (m.text !== undefined) resolve(m.text);
        else reject(new Error(m.error ?? 'no metrics'));
      };
      process.on('message', onMessage);
      process.send?.({ type: ASK, id } satisfies Ask);
    });
}
