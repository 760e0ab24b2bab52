import fs from 'node:fs';
import { Console } from 'node:console';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { changedKeyPaths, changesNotByTheApp, type ConfigLeaves, configLeaves, recordConfigWrites, SENTINEL_CHANGED_FIX, sentinelChangedProblems,
  type ConfigWrite } from '../config-changes';
import { realPathOrAbsolute, safeReaddir } from '../facts/real-path';
import { closestOption, SentinelConfigError, validateSentinelConfig } from '../config/validate';
import type { SentinelConfig } from '../config/types';
import { runChecks } from '../engine';
import { isSafeEnvName } from '../env-name';
import { toDisplayPath } from '../facts/collect';
import { AppLoadError, loadAppOffline } from '../facts/offline';
import { appProvenanceFile, appProvenanceFiles, type SentinelKeySetter, sentinelKeysSetOutsideTheApp } from '../facts/plugin-list';
import { ALL_RULE_INFO, RULE_IDS, RULES } from '../rules';
import { buildAuditReport, type FindingLocation } from '../report/json';
import { formatSarif, type SarifLocation } from '../report/sarif';
import { isDevelopmentEnv, SEVERITIES } from '../report/severity';
import { refuseNonReport, writeReportFile } from '../report/write';
import { type Command, EXIT, loaderMessage, oneOf, parseCommandArgs, UsageError } from './command';
import { locateFinding, type SourceLocation, unlocatedNote } from './locate';
import { colourWanted, formatAuditText, painter } from './text';

const FORMATS = [ 'text', 'json', 'sarif' ] as const;
const OUTPUT_FIX = 'choose another --output path, or remove the file first';
const FAIL_ON = [ 'auto', ...SEVERITIES, 'never' ] as const;

const usage = `Usage: egg-sentinel audit [options]

Loads an egg app the way egg does (plugins, config with the file that set each key, middleware, routes) without
starting it, runs every rule that does not need a running app, and reports what a boot in that env would find.

Options:
  --base-dir DIR   the app's root (its package.json); default: the current directory
  --env ENV        server env to audit, e.g. prod; default: egg's own (config/env, EGG_SERVER_ENV, NODE_ENV)
  --scope SCOPE    server scope; default: EGG_SERVER_SCOPE
  --fail-on LEVEL  ${FAIL_ON.join(' | ')}; default: config.sentinel.failOn of the app (auto: high outside local/unittest)
  --format FORMAT  text (default) | json (lib/report/report.schema.json) | sarif (SARIF 2.1.0 for GitHub code scanning)
  --output FILE    write the report to FILE instead of stdout
  -h, --help       show this help

What runs: the app's config and plugin files, its boot hooks' constructors, configWillLoad and configDidLoad, and
the modules of app/middleware, app/controller and app/router. Never: didLoad and later hooks, middleware
factories, services, the agent; nothing listens. See the README, "Command line".

Exit codes: 0 no unwaived finding at or above the threshold, 1 some, 2 bad arguments or the app could not be loaded.`;

export const auditCommand: Command = {
  name: 'audit',
  summary: 'audit an app without starting it (text, JSON or SARIF)',
  usage,
  async run(args, io) {
    const { values } = parseCommandArgs({
      args,
      strict: true,
      options: {
        'base-dir': { type: 'string' },
        env: { type: 'string' },
        scope: { type: 'string' },
        'fail-on': { type: 'string' },
        format: { type: 'string', default: 'text' },
        output: { type: 'string' },
      },
    });
    const format = oneOf('format', values.format, FORMATS) ?? 'text';
    const failOn = oneOf('fail-on', values['fail-on'], FAIL_ON);
    for (const option of [ 'env', 'scope' ] as const) {
      const value = values[option];
      if (value !== undefined && !isSafeEnvName(value)) {
        throw new UsageError(`--${option} ${JSON.stringify(value)} is not a valid ${option} name; use letters, digits, "_" and "-" (e.g. prod)`);
      }
    }
    if (values.output === '') throw new UsageError('--output needs a file path (leave it out to print the report)');
    const outputFile = values.output === undefined ? undefined : path.resolve(io.cwd, values.output);
    // A directory, a missing or read-only directory, a file that is not a report: the user's path, not a bug.
    const cannotWrite = (error: unknown) => {
      io.stderr.write(`egg-sentinel audit: --output ${JSON.stringify(values.output)}: cannot write ${outputFile}: ${(error as Error).message}\n`);
      return EXIT.error;
    };
    // Before the app loads (seconds): a path the report could not go to fails now, not after the audit.
    try {
      if (outputFile) refuseNonReport(outputFile, OUTPUT_FIX);
    } catch (error) {
      return cannotWrite(error);
    }
    const baseDir = path.resolve(io.cwd, values['base-dir'] ?? '.');
    if (!fs.existsSync(baseDir) || !fs.statSync(baseDir).isDirectory()) {
      throw new UsageError(`--base-dir ${JSON.stringify(values['base-dir'] ?? '.')}: ${baseDir} is not a directory`);
    }

    let config: SentinelConfig = {};
    let sentinelAtLoad: ConfigLeaves = new Map();
    let sentinelWrites: ConfigWrite[] = [];
    const warnings: string[] = [];
    const envHint = values.env === undefined ? undefined : unknownEnvHint(baseDir, values.env);
    if (envHint) {
      warnings.push(envHint);
      io.stderr.write(`egg-sentinel audit: ${envHint}\n`);
    }
    const facts = await withConsoleOn(io.stderr, () => loadAppOffline({
      baseDir,
      env: values.env,
      scope: values.scope,
      // egg's loader reads process.env, whatever io.env the command was given.
      warn: message => io.stderr.write(`egg-sentinel audit: egg's loader says: ${loaderMessage(message, process.env)}\n`),
      notice: message => {
        warnings.push(message);
        io.stderr.write(`egg-sentinel audit: ${message}\n`);
      },
      // Before the facts: collectors read config.sentinel (the advisory file, the IPC secret) as boot would validate it.
      configLoaded: loaded => {
        config = appSentinelConfig(loaded.loader.config.sentinel, failOn, appProvenanceFiles(loaded, 'sentinel'), sentinelKeysSetOutsideTheApp(loaded),
          keyPath => appProvenanceFile(loaded, keyPath));
        sentinelAtLoad = configLeaves(loaded.loader.config.sentinel, 'sentinel');
        sentinelWrites = recordConfigWrites(loaded.loader.config, [ 'sentinel' ]).writes;
      },
    }));
    // As at boot (lib/boot-app.ts): code other than the app's that changed config.sentinel fails the audit outside local/unittest.
    const changed = changedKeyPaths(sentinelAtLoad, configLeaves(facts.config.sentinel, 'sentinel'));
    const foreign = changesNotByTheApp(changed, sentinelWrites, realPathOrAbsolute(baseDir));
    if (foreign.length && !isDevelopmentEnv(facts.env.serverEnv, facts.builtins.nodeEnv)) {
      throw new AppLoadError(`the app's config.sentinel was changed by code:\n${sentinelChangedProblems(foreign).map(problem => `  - ${problem}`).join('\n')}\n${SENTINEL_CHANGED_FIX}`);
    }
    // The app's own configWillLoad may change it: what boot would check with, validated again.
    if (changed.length) config = appSentinelConfig(facts.config.sentinel, failOn, [], [], () => undefined);
    const report = runChecks(facts, { config, rules: RULES.filter(rule => !rule.liveOnly) });
    const locations = report.findings.map(finding => locateFinding(finding, facts));
    const skipped = RULES.filter(rule => rule.liveOnly).map(rule => ({ ruleId: rule.id, reason: String(rule.liveOnly) }));
    const auditReport = buildAuditReport(report, locations.map(location => location && toFindingLocation(location, baseDir)), skipped, warnings);

    let output: string;
    if (format === 'json') {
      output = `${JSON.stringify(auditReport, null, 2)}\n`;
    } else if (format === 'sarif') {
      const sarifLocations = report.findings.map((finding, index) => toSarifLocation(locations[index], () => unlocatedNote(finding, facts), baseDir, io.cwd));
      const outside = sarifLocations.filter(location => location.uri.startsWith('file:')).length;
      if (outside) {
        // Code scanning places results by paths relative to the repository root; absolute file: URIs it cannot place.
        io.stderr.write(`egg-sentinel audit: ${outside} SARIF location(s) are outside the current directory (${io.cwd}) and are written as ` +
          'absolute file: URIs, which GitHub code scanning cannot place: run the audit from the repository root\n');
      }
      output = `${JSON.stringify(formatSarif({ report, rules: ALL_RULE_INFO, locations: sarifLocations, warnings }), null, 2)}\n`;
    } else {
      output = formatAuditText(auditReport, painter(!values.output && colourWanted(io.stdout, io.env)));
    }
    if (outputFile) {
      try {
        writeReportFile(outputFile, output, OUTPUT_FIX);
      } catch (error) {
        return cannotWrite(error);
      }
      const blocking = report.threshold === 'never' ? 'threshold never' : `${report.findings.filter(f => f.blocking).length} at or above ${report.threshold}`;
      io.stderr.write(`egg-sentinel audit: ${format} report written to ${values.output} (${report.findings.length} finding(s), ${blocking})\n`);
    } else {
      io.stdout.write(output);
    }
    return report.refused ? EXIT.findings : EXIT.clean;
  },
};

/** egg's own envs, which need no config file of their own. */
const EGG_ENVS = [ 'local', 'unittest', 'prod', 'default' ];

/**
 * A note for an env no file of the app's config/ names (`--env prodd`): egg then loads config.default alone, and the
 * audit judges that, which is no env the app runs in; with the env its files name that is closest, when there is one.
 */
function unknownEnvHint(baseDir: string, env: string): string | undefined {
  if (EGG_ENVS.includes(env)) return undefined;
  const named = new Set<string>(EGG_ENVS.filter(name => name !== 'default'));
  for (const file of safeReaddir(path.join(baseDir, 'config'))) {
    const match = /^(?:config|plugin)\.([A-Za-z0-9_-]+)\.(?:[cm]?js|[cm]?ts|json)$/.exec(file);
    if (match && match[1] !== 'default') named.add(match[1]);
  }
  if (named.has(env)) return undefined;
  const closest = closestOption(env, [ ...named ]);
  return `--env ${JSON.stringify(env)}: no config/config.${env}.* or config/plugin.${env}.* in the app, so egg loads config.default and its plugins' ` +
    `defaults alone${closest ? `; did you mean --env ${closest}?` : ''} (the app's envs: ${[ ...named ].join(', ')})`;
}

/**
 * Runs `load` with the global console, and process.stdout, writing to `stream`: what the app's code prints while it
 * loads (`console.log`, `process.stdout.write`) must not mix into a JSON or SARIF stdout.
 */
async function withConsoleOn<T>(stream: NodeJS.WritableStream, load: () => Promise<T>): Promise<T> {
  const original = globalThis.console;
  const stdoutWrite = Object.getOwnPropertyDescriptor(process.stdout, 'write');
  globalThis.console = new Console({ stdout: stream, stderr: stream });
  if (stream !== process.stdout) process.stdout.write = stream.write.bind(stream) as typeof process.stdout.write;
  try {
    return await load();
  } finally {
    globalThis.console = original;
    if (stdoutWrite) Object.defineProperty(process.stdout, 'write', stdoutWrite);
    else delete (process.stdout as { write?: unknown }).write;
  }
}

/** The app's own config.sentinel (validated as at boot), with `--fail-on` in place of its failOn; `files` set it. */
function appSentinelConfig(sentinel: unknown, failOn: SentinelConfig['failOn'], files: string[], setOutside: SentinelKeySetter[],
  whereSet: (keyPath: string) => string | undefined): SentinelConfig {
  try {
    const config = validateSentinelConfig(sentinel === undefined ? {} : sentinel, RULE_IDS, undefined, setOutside, whereSet);
    return failOn ? { ...config, failOn } : config;
  } catch (error) {
    if (!(error instanceof SentinelConfigError)) throw error;
    throw new AppLoadError(`the app's config.sentinel is invalid:\n${error.problems.map(problem => `  - ${problem}`).join('\n')}` +
      `${error.fix ? `\n${error.fix}` : error.files.length || files.length ? `\nFix it in ${(error.files.length ? error.files : files).join(', ')}` : ''}`);
  }
}

function toFindingLocation(location: SourceLocation, baseDir: string): FindingLocation {
  return { file: toDisplayPath(baseDir, location.file), line: location.line, exact: location.exact, ...(location.lines && { lines: location.lines }) };
}

/**
 * SARIF paths are relative to the repository root, where the workflow runs the audit (the current directory).
 * A finding without a file points at the app's package.json, line 1, and its message says why (`unlocated`).
 */
function toSarifLocation(location: SourceLocation | undefined, unlocated: () => string, baseDir: string, cwd: string): SarifLocation {
  const uri = (file: string) => {
    const relative = path.relative(cwd, file);
    return relative.startsWith('..') || path.isAbsolute(relative) ? pathToFileURL(file).href : relative.split(path.sep).join('/');
  };
  if (!location) {
    return { uri: uri(path.join(baseDir, 'package.json')), line: 1, note: `${unlocated()}; package.json line 1 shown` };
  }
  const file = toDisplayPath(baseDir, location.file);
  const note = location.lines ? `${file} sets \`${location.key}\` on lines ${location.lines.join(', ')}; which one took effect is not known; line ${location.line} shown` :
    location.exact ? undefined :
      `${location.key ? `\`${location.key}\` was not found verbatim in ${file}` : `no config key to look for in ${file}`}; line ${location.line} shown`;
  return { uri: uri(location.file), line: location.line, note };
}
