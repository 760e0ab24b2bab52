#!/usr/bin/env node
/** `egg-sentinel`: see lib/cli and the README, "Command line". */
import { runCli } from '../lib/cli';

// A reader that stops early (`egg-sentinel rules | head`) closes the pipe: end quietly with the command's exit code.
for (const stream of [ process.stdout, process.stderr ]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(code => {
  process.exitCode = code;
  // Exit even if code loaded from the audited app left a timer or socket behind; let the streams drain first.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
