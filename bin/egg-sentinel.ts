#!/usr/bin/env node
/** `egg-sentinel`: see lib/cli and the README, "Command line". */
import { runCli } from '../lib/cli';

/**
 * A reader that stops early (`egg-sentinel rules | head`) closes the pipe: end quietly with the command's exit code.
 * Any other write error (a full disk: `audit > /dev/full`) loses the output: say so and exit 2.
 */
function writeFailed(stream: NodeJS.WriteStream, error: NodeJS.ErrnoException): never {
  if (error.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  if (stream === process.stdout) process.stderr.write(`egg-sentinel: could not write the output (${error.code ?? error.message}): run it again where it can write\n`);
  process.exit(2);
}

for (const stream of [ process.stdout, process.stderr ]) stream.on('error', (error: NodeJS.ErrnoException) => writeFailed(stream, error));

runCli(process.argv.slice(2), { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() }).then(code => {
  process.exitCode = code;
  // A file's stream fails its write at once, before its 'error' event comes.
  if (process.stdout.errored) writeFailed(process.stdout, process.stdout.errored);
  // Exit even if code loaded from the audited app left a timer or socket behind; let the streams drain first.
  process.stdout.write('', () => process.stderr.write('', () => process.exit(code)));
});
