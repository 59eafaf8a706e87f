/**
 * Variables that look like Mandate's but that nothing reads: a misspelt `MANDATE_ISUER` would
 * otherwise be ignored silently and the service would run on the default. They are warnings, not
 * errors, so that a variable meant for a newer or older version never stops a start.
 */
import { envSchema } from './env.js';

/** Prefixes that only Mandate uses (NATS_* is shared with the NATS tools, so it is not checked). */
const OWN_PREFIXES = ['MANDATE_', 'UPSTREAM_OIDC_'];

/**
 * Mandate variables read by other commands than the server (scripts/policy-*.sh, the test
 * helpers); test/config/unknown.test.ts checks that every MANDATE_* name the repository uses
 * is either here or in the schema.
 */
export const OTHER_COMMANDS_VARIABLES: readonly string[] = [
  'MANDATE_POLICY_SRC',
  'MANDATE_POLICY_SIGNING_KEY',
  'MANDATE_POLICY_SIGNING_ALG',
  'MANDATE_POLICY_REVISION',
  'MANDATE_POLICY_MIN_COVERAGE',
];
/** Test-only variables are never a typo of a server setting. */
const IGNORED_PREFIXES = ['MANDATE_TEST_'];

export interface UnknownVariable {
  variable: string;
  /** The known variable it is closest to, when one is close enough to be a likely typo. */
  suggestion: string | undefined;
}

/** Optimal string alignment distance (Levenshtein plus adjacent transpositions). */
export function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) =>
    Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= a.length; i++)
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1])
        v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  return d[a.length]![b.length]!;
}

function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestDistance = Infinity;
  for (const k of known) {
    const distance = editDistance(name, k);
    if (distance < bestDistance) [best, bestDistance] = [k, distance];
  }
  // A third of the name may differ (MANDATE_ISUER, MANDATE_LOGLEVEL, MANDATE_WORKER); beyond that a
  // suggestion is more confusing than none.
  return bestDistance <= Math.max(2, Math.floor(name.length / 3)) ? best : undefined;
}

/**
 * The variables of `env` with one of Mandate's own prefixes that neither the schema nor another
 * command reads, each with the closest known name. `alsoKnown` holds names the configuration file
 * refers to (client_secret_env), which may use the same prefix.
 */
export function unknownVariables(
  env: Record<string, string | undefined>,
  alsoKnown: Iterable<string> = [],
): UnknownVariable[] {
  const schemaKeys = Object.keys(envSchema.shape);
  const known = new Set([...schemaKeys, ...OTHER_COMMANDS_VARIABLES, ...alsoKnown]);
  return Object.keys(env)
    .filter(
      (name) =>
        // mandate_issuer is a different variable on Linux, and just as ignored.
        OWN_PREFIXES.some((p) => name.toUpperCase().startsWith(p)) &&
        !IGNORED_PREFIXES.some((p) => name.startsWith(p)) &&
        !known.has(name),
    )
    .sort()
    .map((variable) => ({ variable, suggestion: closest(variable.toUpperCase(), schemaKeys) }));
}

export function describeUnknown(u: UnknownVariable): string {
  return u.suggestion === undefined
    ? `config: ${u.variable} is not a Mandate setting and is ignored (see docs/configuration.md)`
    : `config: ${u.variable} is not a Mandate setting and is ignored; did you mean ${u.suggestion}?`;
}
