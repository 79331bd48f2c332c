/**
 * Prints `N passed, N failed` (`, N skipped` when any) alone on the run's last line: the plain closing line
 * CI reads. Counts individual tests. A failure no test owns (a file that fails to import, a failing
 * beforeAll/afterAll, an unhandled error) counts as one failed, so a failed run never reports `0 failed`.
 */
import type { Reporter, SerializedError, TestModule, TestRunEndReason, TestSuite } from 'vitest/node';

export default class SummaryReporter implements Reporter {
  onTestRunEnd(
    testModules: ReadonlyArray<TestModule>,
    unhandledErrors: ReadonlyArray<SerializedError>,
    reason: TestRunEndReason,
  ): void {
    let passed = 0;
    let failed = unhandledErrors.length;
    let skipped = 0;
    for (const mod of testModules) {
      for (const test of mod.children.allTests()) {
        const { state } = test.result();
        if (state === 'passed') passed++;
        else if (state === 'failed') failed++;
        else skipped++; // 'skipped', or 'pending' when the run was interrupted
      }
      failed += orphanFailures(mod);
    }
    if (reason === 'failed' && failed === 0) failed = 1; // e.g. no test files found
    const line = `${passed} passed, ${failed} failed${skipped > 0 ? `, ${skipped} skipped` : ''}`;
    process.stdout.write(`\n${line}\n`);
  }
}

/** Errors on a module or suite (load errors, hooks) while none of its own tests failed. */
function orphanFailures(node: TestModule | TestSuite): number {
  let count = 0;
  for (const suite of node.children.suites()) count += orphanFailures(suite);
  const ownErrors = node.errors().length > 0;
  const testFailed = [...node.children.allTests('failed')].length > 0;
  return ownErrors && !testFailed && count === 0 ? 1 : count;
}
