import crypto from 'node:crypto';
import { SECRET_ENV_VAR } from '../ipc/keyring';
import { type Command, EXIT, parseCommandArgs } from './command';

const SECRET_BYTES = 32;

const usage = `Usage: egg-sentinel keygen

Prints a fresh secret for signing messages between egg's agent and app workers: ${SECRET_BYTES} random bytes from the
operating system's CSPRNG, base64url, as ${SECRET_ENV_VAR}=<value>. Store it in your deployment's secret store
and give every process of the app the same value; never commit it.

Options:
  -h, --help  show this help`;

export const keygenCommand: Command = {
  name: 'keygen',
  summary: `print a fresh IPC secret (${SECRET_ENV_VAR}=...)`,
  usage,
  run(args, io) {
    parseCommandArgs({ args, strict: true, options: {} });
    io.stdout.write(`${SECRET_ENV_VAR}=${crypto.randomBytes(SECRET_BYTES).toString('base64url')}\n`);
    return EXIT.clean;
  },
};
