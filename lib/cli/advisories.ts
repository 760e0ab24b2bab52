import path from 'node:path';
import { DEFAULT_OVERRIDE_FILE } from '../advisories/database';
import { mergeOsvExport } from '../advisories/update';
import { type Command, EXIT, parseCommandArgs, UsageError } from './command';

const usage = `Usage: egg-sentinel advisories update --from EXPORT [--base-dir DIR] [--file FILE]

Merges the OSV records of EXPORT into the app's local advisory override file, which boot and \`egg-sentinel audit\`
read on top of the database shipped with egg-sentinel (SEN601). EXPORT is an OSV record, an array of records,
osv.dev's {"vulns": [...]}, or a directory of such .json files (e.g. from an internal mirror of GitHub's
advisory database). Only npm packages are kept; each record needs GitHub's database_specific.severity. Records
replace shipped and earlier merged ones with the same id; an invalid record is named and nothing is written.

Options:
  --from EXPORT    the OSV export (file or directory)
  --base-dir DIR   the app's root; default: the current directory
  --file FILE      the override file; default: <base-dir>/${DEFAULT_OVERRIDE_FILE} (set config.sentinel.advisories.file
                   to the same path if you change it)
  -h, --help       show this help`;

export const advisoriesCommand: Command = {
  name: 'advisories',
  summary: 'update: merge an OSV export into the app\'s local advisory override file',
  usage,
  run(args, io) {
    const { values, positionals } = parseCommandArgs({
      args,
      strict: true,
      allowPositionals: true,
      options: { from: { type: 'string' }, 'base-dir': { type: 'string' }, file: { type: 'string' } },
    });
    if (positionals.length !== 1 || positionals[0] !== 'update') {
      throw new UsageError(positionals.length ? `unknown subcommand ${JSON.stringify(positionals.join(' '))}; use "update"` : 'which subcommand? use "update"');
    }
    if (!values.from) throw new UsageError('--from is required: the OSV export to merge');
    const baseDir = path.resolve(io.cwd, values['base-dir'] ?? '.');
    const file = path.resolve(baseDir, values.file ?? DEFAULT_OVERRIDE_FILE);
    const result = mergeOsvExport(path.resolve(io.cwd, values.from), file, new Date().toISOString().slice(0, 10));
    const list = (ids: string[]) => (ids.length ? `: ${ids.join(', ')}` : '');
    io.stdout.write([
      `merged ${values.from} into ${path.relative(io.cwd, file) || file}`,
      `  added ${result.added.length}${list(result.added)}`,
      `  updated ${result.updated.length}${list(result.updated)}`,
      `  skipped ${result.skipped.length} (no npm package)${list(result.skipped)}`,
      `the override file now holds ${result.total} advisories; boot and \`egg-sentinel audit\` read it from config.sentinel.advisories.file (default ${DEFAULT_OVERRIDE_FILE} in the app root)`,
      '',
    ].join('\n'));
    return EXIT.clean;
  },
};
