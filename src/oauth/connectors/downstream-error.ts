/**
 * A refusal of a connector-backed exchange: an OAuthError whose audit event says what happened
 * downstream (the token endpoint adds `downstream` to the `token.refused` event).
 */
import type { DownstreamFact } from '../../audit/port.js';
import { OAuthError, type OAuthErrorCode, type RefusalOptions } from '../errors.js';

const facts = new WeakMap<object, DownstreamFact>();

/** A refusal carrying its downstream fact. */
export function downstreamError<E extends OAuthErrorCode>(
  error: E,
  description: string,
  fact: DownstreamFact,
  options: RefusalOptions<E>,
): InstanceType<typeof OAuthError> {
  const e = new OAuthError(error, description, options);
  facts.set(e, fact);
  return e;
}

/** The downstream fact of a refusal made by `downstreamError`, if it is one. */
export function downstreamFactOf(err: unknown): DownstreamFact | undefined {
  return typeof err === 'object' && err !== null ? facts.get(err) : undefined;
}
