/** Reading the environment: empty values count as unset, and the schema's issues are a ConfigError. */
import type { z } from 'zod';
import { ConfigError, describeIssues } from './config-error.js';

/** The environment without its empty values: empty strings count as unset, as in most twelve-factor tooling. */
export function cleanEnv(env: Record<string, string | undefined>): Record<string, string> {
  return Object.fromEntries(
    Object.entries(env).filter(
      (entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '',
    ),
  );
}

/** The cleaned environment parsed by `schema`; its issues, one line per variable, as a ConfigError. */
export function parseEnv<S extends z.ZodType>(schema: S, cleaned: Record<string, string>): z.output<S> {
  const parsed = schema.safeParse(cleaned);
  if (!parsed.success) throw new ConfigError(describeIssues(parsed.error, ''));
  return parsed.data;
}
