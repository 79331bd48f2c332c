/** Runs the mloop CLI from the TypeScript sources (no build step needed for the benchmark). */
import { main } from '../../src/cli/main.js';

main(process.argv).then((code) => {
  process.exitCode = code;
});
