/**
 * The JetStream stream that carries the audit (design.md "Audit and decision stream"):
 * `AUTHZ_AUDIT`, subjects `authz.>`, file storage, created or updated at start-up so that a changed
 * retention or replica count takes effect without an operator touching NATS.
 */
import type { JetStreamManager, StreamConfig, StreamInfo } from '@nats-io/jetstream';
import { JetStreamApiCodes, JetStreamApiError, RetentionPolicy, StorageType } from '@nats-io/jetstream';
import { nanos } from '@nats-io/transport-node';

export const AUDIT_STREAM = 'AUTHZ_AUDIT';
export const DEFAULT_SUBJECT_PREFIX = 'authz';

export interface AuditStreamOptions {
  /** Stream name (default AUTHZ_AUDIT). */
  name?: string;
  /** First token of every subject (default `authz`); the stream captures `<prefix>.>`. */
  subjectPrefix?: string;
  /** How long events are kept, in seconds; 0 keeps them until limits say otherwise (default 0). */
  maxAgeSeconds?: number;
  /** Replicas in a clustered JetStream (default 1). */
  replicas?: number;
  /**
   * The window in which a repeated Nats-Msg-Id is dropped (default 10 minutes). Must be longer than
   * the relay's longest wait between a publish and its retry, or a re-sent event could be stored twice.
   */
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
  try {
    await jsm.streams.info(cfg.name);
  } catch (err) {
    if (err instanceof JetStreamApiError && err.code === JetStreamApiCodes.StreamNotFound) {
      return jsm.streams.add(cfg);
    }
    throw err;
  }
  const { name, storage: _storage, ...update } = cfg;
  return jsm.streams.update(name, update);
}
