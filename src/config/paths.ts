import { join } from 'node:path';
import { packageRoot } from '../store/package-root.js';

/** Where `npm run policy:build` writes the default policy bundle. */
export function defaultBundlePath(): string {
  return join(packageRoot(), 'build', 'policy', 'bundle.tar.gz');
}

/** The demo configuration loaded on localhost when MANDATE_CONFIG is unset. */
export function demoConfigPath(): string {
  return join(packageRoot(), 'examples', 'mandate.json');
}
