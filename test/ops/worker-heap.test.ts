/**
 * src/ops/worker-heap.ts: cluster workers get a 64 MiB semi-space unless the operator chose one,
 * and a worker started with those flags really has it (a real child process, not the string).
 */
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { WORKER_SEMI_SPACE_MB, workerExecArgv } from '../../src/ops/worker-heap.js';

describe('workerExecArgv', () => {
  it("adds the semi-space size to the primary's flags", () => {
    expect(workerExecArgv(['--import', 'tsx'], undefined)).toEqual([
      '--import',
      'tsx',
      `--max-semi-space-size=${WORKER_SEMI_SPACE_MB}`,
    ]);
  });

  it("leaves an operator's choice alone, in the flags or in NODE_OPTIONS", () => {
    expect(workerExecArgv(['--max-semi-space-size=8'], undefined)).toEqual(['--max-semi-space-size=8']);
    expect(workerExecArgv([], '--max-old-space-size=512 --max-semi-space-size=16')).toEqual([]);
  });

  it('gives a process started with those flags the larger young generation', () => {
    const youngMax = (flags: string[]) =>
      Number(
        execFileSync(
          process.execPath,
          [
            ...flags,
            '-e',
            // Allocate enough for the new space to grow to its maximum, then report its size.
            'let k=[];for(let i=0;i<3e6;i++){k.push({i});if(k.length>2e5)k=[]}' +
              'console.log(require("v8").getHeapSpaceStatistics().find(s=>s.space_name==="new_space").space_size)',
          ],
          { encoding: 'utf8', env: { ...process.env, NODE_OPTIONS: '' } },
        ),
      );
    const grown = youngMax(workerExecArgv([], undefined));
    // Larger than V8's default for the same allocations (and so larger than what a worker had).
    expect(grown).toBeGreaterThan(youngMax([]));
  });
});
