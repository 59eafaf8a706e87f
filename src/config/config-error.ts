/**
 * The one error configuration fails with: `main.ts` prints its message and exits 1, so the message
 * names the variable (or file path and field) and what is wrong with it.
 */
import type { z } from 'zod';

/** A configuration Mandate refuses to start with; the message is what the operator reads. */
export class ConfigError extends Error {
  override name = 'ConfigError';
}

/** A schema's issues, one line each: `<prefix><path>: <message>`, `a.b[0].c` as in the input. */
export function describeIssues(error: z.ZodError, prefix: string): string {
  return error.issues
    .map((i) => {
      const path = i.path.map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`)).join('');
      return `${prefix}${path.replace(/^\./, '')}: ${i.message}`;
    })
    .join('\n');
}
