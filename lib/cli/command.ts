import { parseArgs, type ParseArgsConfig } from 'node:util';

/** What a command writes to and reads from; the bin passes the real process streams. */
export interface CliIO {
  stdout: NodeJS.WriteStream | NodeJS.WritableStream;
  stderr: NodeJS.WriteStream | NodeJS.WritableStream;
  env: NodeJS.ProcessEnv;
  cwd: string;
}

/** Exit codes, documented in the README. */
export const EXIT = { clean: 0, findings: 1, error: 2 } as const;

export interface Command {
  name: string;
  /** One line for the command list. */
  summary: string;
  /** The full `--help` text; the dispatcher prints it for `--help`/`-h`, so commands do not parse those. */
  usage: string;
  run(args: string[], io: CliIO): number | Promise<number>;
}

/** Bad arguments: printed with the command's usage, exit code 2. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/**
 * `node:util` parseArgs, with errors that name the offending argument and the options the command knows. An option
 * given twice is an error, unless it takes several values: parseArgs would keep the last silently (`--env prod
 * --env local` audits local), which a CI line built from variables can do by accident.
 */
export function parseCommandArgs<T extends ParseArgsConfig>(config: T): ReturnType<typeof parseArgs<T>> {
  let parsed: ReturnType<typeof parseArgs<T & { tokens: true }>>;
  try {
    parsed = parseArgs({ ...config, tokens: true });
  } catch (error) {
    const names = Object.keys(config.options ?? {});
    const known = names.length ? `options: ${names.map(name => `--${name}`).join(', ')}` : 'this command takes no options';
    const { code, message } = error as NodeJS.ErrnoException;
    const argument = /'([^']+)'/.exec(message)?.[1] ?? '';
    if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${argument}; ${known}`);
    if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') throw new UsageError(`unexpected argument "${argument}"`);
    if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') {
      const option = argument.split(' ')[0];
      throw new UsageError(`${option} needs a value: ${option} <value>`);
    }
    throw new UsageError(message);
  }
  const seen = new Map<string, string[]>();
  for (const token of parsed.tokens ?? []) {
    if (token.kind !== 'option' || config.options?.[token.name]?.multiple) continue;
    seen.set(token.name, [ ...seen.get(token.name) ?? [], token.value ?? 'true' ]);
  }
  for (const [ name, values ] of seen) {
    if (values.length > 1) throw new UsageError(`--${name} is given ${values.length} times (${values.join(', ')}); give it once`);
  }
  const { values, positionals } = parsed;
  return { values, positionals } as ReturnType<typeof parseArgs<T>>;
}

/** The value of an option that must be one of `allowed`, or a UsageError naming both. */
export function oneOf<T extends string>(option: string, value: string | undefined, allowed: readonly T[]): T | undefined {
  if (value === undefined || (allowed as readonly string[]).includes(value)) return value as T | undefined;
  throw new UsageError(`--${option} ${JSON.stringify(value)} is not allowed; use one of ${allowed.join(', ')}`);
}

/**
 * A line egg's loader logged, as the audit and pin relay it. egg-core echoes a malformed EGG_APP_CONFIG whole
 * ("process.env.EGG_APP_CONFIG is not invalid JSON: {…"password":"…"…"), so the variable's value, which egg read from
 * `env`, is replaced by its length wherever such a line carries it.
 */
export function loaderMessage(message: string, env: NodeJS.ProcessEnv): string {
  const value = env.EGG_APP_CONFIG;
  if (!value || !message.includes('EGG_APP_CONFIG')) return message;
  return message.split(value).join(`(${value.length} characters; value not shown)`).replace('EGG_APP_CONFIG is not invalid JSON', 'EGG_APP_CONFIG is not valid JSON');
}
