/**
 * A compiled policy ready to evaluate: the bundle's WebAssembly module instantiated with
 * @open-policy-agent/opa-wasm and its data loaded once (setData), evaluated synchronously.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { PolicyBundle } from './bundle.js';

export interface Evaluator {
  /** The entrypoint's value for this input; throws when evaluation fails or is undefined. */
  evaluate(input: unknown): unknown;
}

const encoder = new TextEncoder();

export async function createEvaluator(bundle: PolicyBundle, entrypoint: string): Promise<Evaluator> {
  let policy: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    policy = await loadPolicy(bundle.wasm);
  } catch (e) {
    throw new Error(`policy.wasm does not load: ${e instanceof Error ? e.message : String(e)}`);
  }
  const entrypoints = policy.entrypoints as Record<string, number>;
  const id = entrypoints[entrypoint];
  if (id === undefined) {
    throw new Error(
      `entrypoint ${entrypoint} is not in the bundle (it has: ${Object.keys(entrypoints).join(', ')})`,
    );
  }
  try {
    policy.setData(bundle.data);
  } catch (e) {
    throw new Error(
      `bundle data does not load into the policy: ${e instanceof Error ? e.message : String(e)}`,
    );
  }
  return {
    evaluate(input: unknown): unknown {
      // An exactly-sized ArrayBuffer takes opa-wasm's ABI 1.2 path without a TextEncoder per call.
      const rs = policy.evaluate(encoder.encode(JSON.stringify(input)).buffer, id) as
        { result?: unknown }[] | null;
      if (!Array.isArray(rs) || rs.length === 0 || rs[0]?.result === undefined) {
        throw new Error(`policy decision ${entrypoint} is undefined for this input`);
      }
      return rs[0].result;
    },
  };
}
