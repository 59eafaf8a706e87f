/**
 * The builtins a Mandate policy may call, beyond those OPA compiles into the WebAssembly module
 * itself: the ones opa-wasm implements in JavaScript, and the ones Mandate adds here. A policy
 * whose module imports any other builtin is refused at load (and by `mandate policy check`).
 * rego/README.md "Builtins" lists them; a test keeps that list and this file in step.
 */
import { encodingBuiltins } from './encoding.js';
import { numberBuiltins } from './numbers.js';
import { semverBuiltins } from './semver.js';
import { stringBuiltins } from './strings.js';
import { timeBuiltins } from './time.js';
import type { DecisionClock } from './time.js';

export type { DecisionClock } from './time.js';

export type Builtin = (...args: unknown[]) => unknown;

/** Implemented by @open-policy-agent/opa-wasm 1.10 itself (src/builtins/*.js). */
export const opaWasmBuiltinNames: readonly string[] = [
  'json.is_valid',
  'regex.split',
  'sprintf',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
];

/**
 * Builtins a policy cannot have in Mandate, and why: the answer to "why was my bundle refused".
 * Anything else missing is simply not implemented for the WebAssembly target.
 */
export const refusedBuiltins: Record<string, string> = {
  'http.send': 'a decision never waits on the network; fetch what policy needs into data or input',
  'net.lookup_ip_addr': 'a decision never waits on DNS',
  'opa.runtime': 'the decision must not depend on the host it runs on',
  'rand.intn': 'decisions must replay identically from the decision log',
  'uuid.rfc4122': 'decisions must replay identically from the decision log',
};

/** Why a builtin is unavailable, when there is a reason beyond "not implemented". */
export function refusalReason(name: string): string | undefined {
  if (name.startsWith('io.jwt.'))
    return 'tokens are verified by Mandate before the policy runs; read input.subject and input.actor';
  return refusedBuiltins[name];
}

/** The builtins Mandate adds, by name (a new set per evaluator: `time.now_ns` reads its clock). */
export function mandateBuiltins(clock: DecisionClock): Record<string, Builtin> {
  return {
    ...timeBuiltins(clock),
    ...stringBuiltins,
    ...encodingBuiltins,
    ...semverBuiltins,
    ...numberBuiltins,
    // OPA prints the note to the trace; here there is no trace, and the call is true as in OPA.
    trace: (note: unknown) => (typeof note === 'string' ? true : undefined),
  };
}

/** Every builtin name a policy's WebAssembly module may import. */
export const providedBuiltinNames: ReadonlySet<string> = new Set([
  ...opaWasmBuiltinNames,
  ...Object.keys(mandateBuiltins({ now: undefined })),
]);
