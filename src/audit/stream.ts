/**
 * The JetStream stream that carries the audit (design.md "Audit and decision stream"):
 * `AUTHZ_AUDIT`, subjects `authz.>`, file storage. The relay creates it, or brings its settings
 * back to these, when it starts (before any event exists, so that a SIEM consumer can be set up
 * on an idle service) and again after any failed publish.
 *
 * The stream is the audit record, so it refuses message deletion and purges (`deny_delete`,
 * `deny_purge`; JetStream cannot take either back once set), and its only retention limit is
 * the configured age: no message, byte or per-subject limit can drop events, and a full stream
 * refuses new events (`discard: new`) rather than dropping old ones. docs/audit.md says how an
 * operator changes retention on purpose.
 */
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import {
  DiscardPolicy,
  JetStreamApiCodes,
  JetStreamApiError,
  RetentionPolicy,
  StorageType,
} from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export const AUDIT_STREAM = 'AUTHZ_AUDIT';
export const DEFAULT_SUBJECT_PREFIX = 'authz';

export interface AuditStreamOptions {
  /** Stream name (default AUTHZ_AUDIT). */
  name?: string;
  /** First token of every subject (default `authz`); the stream captures `<prefix>.>`. */
  subjectPrefix?: string;
  /** How long events are kept, in seconds; 0 keeps them for ever (default 0). */
  maxAgeSeconds?: number;
  /** Replicas in a clustered JetStream (default 1). */
  replicas?: number;
  /** The window in which a repeated Nats-Msg-Id is dropped (default 10 minutes). */
  duplicateWindowSeconds?: number;
}

export const DEFAULT_DUPLICATE_WINDOW_SECONDS = 600;

export function auditStreamConfig(opts: AuditStreamOptions = {}): Partial<StreamConfig> & { name: string } {
  const prefix = opts.subjectPrefix ?? DEFAULT_SUBJECT_PREFIX;
  return {
    name: opts.name ?? AUDIT_STREAM,
    subjects: [`${prefix}.>`],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    max_age: nanos((opts.maxAgeSeconds ?? 0) * 1000),
    max_msgs: -1,
    max_bytes: -1,
    max_msgs_per_subject: -1,
    discard: DiscardPolicy.New,
    deny_delete: true,
    deny_purge: true,
    num_replicas: opts.replicas ?? 1,
    duplicate_window: nanos((opts.duplicateWindowSeconds ?? DEFAULT_DUPLICATE_WINDOW_SECONDS) * 1000),
  };
}

/** Creates the stream, or updates it when it exists (storage cannot change after creation). */
export async function ensureAuditStream(
  jsm: JetStreamManager,
  opts: AuditStreamOptions = {},
): Promise<StreamInfo> {
  const cfg = auditStreamConfig(opts);
  let current: StreamInfo;
  try {
    current = await jsm.streams.info(cfg.name);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
      return jsm.streams.add(cfg);
    }
    throw err;
  }
  const { name, storage: _storage, ...update } = cfg;
  // An update is a write to the meta group: skip it when nothing differs.
  const differs = Object.entries(update).some(
    ([k, v]) => JSON.stringify(current.config[k as keyof StreamConfig]) !== JSON.stringify(v),
  );
  return differs ? jsm.streams.update(name, update) : current;
}
