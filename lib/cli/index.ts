/** `egg-sentinel <command>`: dispatch, usage and exit codes. A new command is one entry in COMMANDS. */
import { version } from '../../package.json';
import { AdvisoryDatabaseError } from '../advisories/database';
import { AppLoadError } from '../facts/offline';
import { advisoriesCommand } from './advisories';
import { auditCommand } from './audit';
import { type CliIO, type Command, EXIT, UsageError } from './command';
import { keygenCommand } from './keygen';
import { pinCommand } from './pin';
import { explainCommand, rulesCommand } from './rules';

export type { CliIO } from './command';

const COMMANDS: readonly Command[] = [ auditCommand, pinCommand, advisoriesCommand, rulesCommand, explainCommand, keygenCommand ];

function mainUsage(): string {
  const width = Math.max(...COMMANDS.map(command => command.name.length));
  return [
    `egg-sentinel ${version}: security checks for egg apps`,
    '',
    'Usage: egg-sentinel <command> [options]',
    '',
    'Commands:',
    ...COMMANDS.map(command => `  ${command.name.padEnd(width)}  ${command.summary}`),
    '',
    '`egg-sentinel <command> --help` shows a command\'s options.',
    'Exit codes: 0 clean, 1 findings at or above the threshold, 2 bad arguments or the app could not be loaded.',
  ].join('\n');
}

/** Runs one command line and returns the exit code; never throws for bad input. */
export async function runCli(argv: string[], io: CliIO): Promise<number> {
  const [ name, ...args ] = argv;
  if (name === '--help' || name === '-h' || name === 'help') {
    io.stdout.write(`${mainUsage()}\n`);
    return EXIT.clean;
  }
  if (name === '--version' || name === '-v') {
    io.stdout.write(`${version}\n`);
    return EXIT.clean;
  }
  const command = COMMANDS.find(candidate => candidate.name === name);
  if (!command) {
    io.stderr.write(`egg-sentinel: ${name === undefined ? 'no command given' : `unknown command ${JSON.stringify(name)}`}\n\n${mainUsage()}\n`);
    return EXIT.error;
  }
  if (args.includes('--help') || args.includes('-h')) {
    io.stdout.write(`${command.usage}\n`);
    return EXIT.clean;
  }
  try {
    return await command.run(args, io);
  } catch (error) {
    if (error instanceof UsageError) {
      io.stderr.write(`egg-sentinel ${command.name}: ${error.message}\n\n${command.usage}\n`);
    } else if (error instanceof AdvisoryDatabaseError) {
      io.stderr.write(`egg-sentinel ${command.name}: ${error.message}\n`);
    } else if (error instanceof AppLoadError) {
      io.stderr.write(`egg-sentinel ${command.name}: could not load the app: ${error.message}\n`);
    } else {
      // A bug in egg-sentinel: the message, not a stack, and where to report it.
      io.stderr.write(`egg-sentinel ${command.name}: internal error: ${(error as Error).message ?? String(error)}\nPlease report this to egg-sentinel.\n`);
    }
    return EXIT.error;
  }
}
