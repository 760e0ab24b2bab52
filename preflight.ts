/**
 * `node --require egg-sentinel/preflight …` (or egg-scripts `--require=egg-sentinel/preflight`):
 * refuses to start when the server env or scope could make egg run a file outside the app (SEN301),
 * before egg has loaded anything.
 */
import { preflightProblem } from './lib/preflight';

const problem = preflightProblem(process.argv, process.cwd(), process.env);
if (problem) {
  process.stderr.write(`${problem}\n`);
  process.exit(1);
}
