/**
 * A compiled policy ready to evaluate: the bundle's WebAssembly module instantiated with
 * @open-policy-agent/opa-wasm and Mandate's host builtins (builtins/index.ts), its data loaded
 * once (setData), evaluated synchronously; the result of a repeated identical input is reused
 * (result-cache.ts says why that is exact). A module needing a builtin nobody provides is refused
 * here, at load, rather than failing every decision that reaches the call.
 */
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import type { PolicyBundle } from './bundle.js';
import { mandateBuiltins } from './builtins/index.js';
import type { DecisionClock } from './builtins/index.js';
import { ResultCache } from './result-cache.js';
import { importedBuiltins, unsupportedBuiltins } from './wasm-builtins.js';

export interface Evaluator {
  /** The entrypoint's value for this input; throws a PolicyEvaluationError when evaluation fails or is undefined. */
  evaluate(input: { readonly now?: unknown }): unknown;
  /** The host builtins the module imports. */
  readonly builtins: readonly string[];
}

/** Evaluation failed: `message` is the real cause (opa-wasm's abort text or a builtin's error). */
export class PolicyEvaluationError extends Error {
  override name = 'PolicyEvaluationError';
}

/** opa-wasm throws strings (opa_abort), `{ message }` objects (a missing builtin) and Errors. */
export function describeThrown(e: unknown): string {
  if (typeof e === 'string') return e;
  if (e instanceof Error) return e.message;
  if (typeof e === 'object' && e !== null && typeof (e as { message?: unknown }).message === 'string')
    return (e as { message: string }).message;
  try {
    return JSON.stringify(e) ?? String(e);
  } catch {
    return String(e);
  }
}

const encoder = new TextEncoder();

/**
 * Decisions kept per evaluator for repeated identical inputs (result-cache.ts): with inputs and
 * results of at most 4,096 characters each, under 16 MB however hostile the inputs; ~1 MB for
 * the usual ~500-character input.
 */
export const RESULT_CACHE_SIZE = 1024;

export async function createEvaluator(
  bundle: PolicyBundle,
  entrypoint: string,
  /** Where to look for the calls of an unsupported builtin (default: the bundle's own Rego). */
  sources?: { files: ReadonlyMap<string, Buffer>; of: string },
  opts: { cacheSize?: number } = {},
): Promise<Evaluator> {
  const clock: DecisionClock = { now: undefined };
  let policy: Awaited<ReturnType<typeof loadPolicy>>;
  try {
    policy = await loadPolicy(bundle.wasm, undefined, mandateBuiltins(clock));
  } catch (e) {
    throw new Error(`policy.wasm does not load: ${describeThrown(e)}`);
  }
  const internals = policy as unknown as PolicyInternals;
  const builtins = importedBuiltins(internals.wasmInstance?.exports, internals.mem as WasmMemory);
  const unsupported =
    sources === undefined
      ? unsupportedBuiltins(builtins, bundle.files, { entrypoint })
      : unsupportedBuiltins(builtins, sources.files, { sourcesOf: sources.of });
  if (unsupported !== undefined) throw new Error(unsupported);
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
    throw new Error(`bundle data does not load into the policy: ${describeThrown(e)}`);
  }
  // Only a policy calling time.now_ns reads the decision's clock.
  const readsClock = builtins.includes('time.now_ns');
  const run = runner(
    policy,
    id,
    directEval(policy, id),
    new ResultCache(opts.cacheSize ?? RESULT_CACHE_SIZE),
  );
  return {
    builtins,
    evaluate(input: { readonly now?: unknown }): unknown {
      if (readsClock) clock.now = typeof input.now === 'number' ? input.now : undefined;
      const result = resultOf(run(JSON.stringify(input) as string | undefined));
      if (result === undefined)
        throw new PolicyEvaluationError(`policy decision ${entrypoint} is undefined for this input`);
      return result;
    },
  };
}

/** One evaluation of an input's JSON text: the result set, from the cache when the same text was decided. */
function runner(
  policy: Awaited<ReturnType<typeof loadPolicy>>,
  id: number,
  direct: ((json: string) => string) | undefined,
  cache: ResultCache,
): (json: string | undefined) => unknown {
  return (json) => {
    try {
      if (direct === undefined || json === undefined)
        // An exactly-sized ArrayBuffer takes opa-wasm's ABI 1.2 path without a TextEncoder per call.
        return policy.evaluate(encoder.encode(json).buffer, id);
      const kept = cache.get(json);
      if (kept !== undefined) return JSON.parse(kept);
      const text = direct(json);
      const rs: unknown = JSON.parse(text);
      // Kept only once it is a decision; a failure is evaluated (and reported) again next time.
      if (resultOf(rs) !== undefined) cache.set(json, text);
      return rs;
    } catch (e) {
      throw new PolicyEvaluationError(describeThrown(e));
    }
  };
}

/** The entrypoint's value in opa_eval's result set, or undefined when there is none. */
function resultOf(rs: unknown): unknown {
  return Array.isArray(rs) && rs.length > 0 ? (rs[0] as { result?: unknown } | null)?.result : undefined;
}

/** The fields of opa-wasm's LoadedPolicy that its ABI 1.2 fast path uses (opa-wasm 1.10, src/opa.js). */
interface PolicyInternals {
  minorVersion?: unknown;
  mem?: unknown;
  dataAddr?: unknown;
  dataHeapPtr?: unknown;
  wasmInstance?: { exports?: { opa_eval?: unknown } };
}

type OpaEval = (
  reserved: number,
  entrypoint: number,
  dataAddr: number,
  inputAddr: number,
  inputLen: number,
  heapPtr: number,
  format: number,
) => number;

/** The part of a WebAssembly.Memory used here (this project's TypeScript lib has no WebAssembly). */
interface WasmMemory {
  readonly buffer: ArrayBuffer;
  grow(pages: number): number;
}

function isMemory(m: unknown): m is WasmMemory {
  return (
    typeof m === 'object' &&
    m !== null &&
    (m as { buffer?: unknown }).buffer instanceof ArrayBuffer &&
    typeof (m as { grow?: unknown }).grow === 'function'
  );
}

const decoder = new TextDecoder();

/**
 * opa-wasm's own ABI 1.2 path (OPA's documented `opa_eval` export), minus two copies per call:
 * the input is UTF-8-encoded straight into WebAssembly memory, and the result is decoded with one
 * shared TextDecoder. The same call with the same arguments as opa-wasm's evaluate(); undefined
 * (use evaluate()) when the loaded policy does not have the shape this relies on.
 */
function directEval(policy: unknown, entrypoint: number): ((json: string) => string) | undefined {
  const p = policy as PolicyInternals;
  const opaEval = p.wasmInstance?.exports?.opa_eval;
  if (
    typeof p.minorVersion !== 'number' ||
    p.minorVersion < 2 ||
    !isMemory(p.mem) ||
    typeof p.dataAddr !== 'number' ||
    typeof p.dataHeapPtr !== 'number' ||
    typeof opaEval !== 'function'
  ) {
    return undefined;
  }
  const mem = p.mem;
  const run = opaEval as OpaEval;
  // setData() ran before this: the data's heap end is fixed for the policy's lifetime.
  const dataAddr = p.dataAddr;
  const inputAddr = p.dataHeapPtr;
  return (json: string): string => {
    // UTF-8 takes at most 3 bytes per UTF-16 code unit: grow first so the input always fits.
    const need = inputAddr + json.length * 3 - mem.buffer.byteLength;
    if (need > 0) mem.grow(Math.ceil(need / 65536));
    const { written } = encoder.encodeInto(json, new Uint8Array(mem.buffer, inputAddr));
    const ret = run(0, entrypoint, dataAddr, inputAddr, written, inputAddr + written, 0);
    const bytes = new Uint8Array(mem.buffer);
    const end = bytes.indexOf(0, ret);
    return decoder.decode(bytes.subarray(ret, end));
  };
}
