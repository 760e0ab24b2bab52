import { PassThrough } from 'node:stream';
import { runCli } from '../lib/cli';

/** Runs the egg-sentinel command line in this process, with its output collected. */
export async function sentinel(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const stdout = new PassThrough();
  const stderr = new PassThrough();
  const chunks = { stdout: '', stderr: '' };
  stdout.on('data', chunk => { chunks.stdout += chunk; });
  stderr.on('data', chunk => { chunks.stderr += chunk; });
  const code = await runCli(args, { stdout, stderr, env: process.env, cwd: process.cwd() });
  return { code, ...chunks };
}
