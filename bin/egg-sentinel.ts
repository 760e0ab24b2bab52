#!/usr/bin/env node
/** `egg-sentinel`: see lib/cli and the README, "Command line". */
import { runCli } from '../lib/cli';

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(code => {
  // Exit even if code loaded from the audited app left a timer or socket behind; let the streams drain first.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
