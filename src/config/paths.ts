import { join } from 'node:path';
import { packageRoot } from '../store/package-root.js';

/** The default policy bundle the repository ships (rebuilt from rego/ by `npm run policy:build`). */
export function defaultBundlePath(): string {
  return join(packageRoot(), 'bundles', 'default.tar.gz');
}

/** The demo configuration loaded on localhost when MANDATE_CONFIG is unset. */
export function demoConfigPath(): string {
  return join(packageRoot(), 'examples', 'mandate.json');
}
