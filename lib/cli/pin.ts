import fs from 'node:fs';
import path from 'node:path';
import { isSafeEnvName } from '../env-name';
import { readingUnsetVariablesAsUnset } from '../env';
import { realPathLoose } from '../facts/real-path';
import { pluginPackageDir } from '../facts/egg-version';
import { pluginLookup } from '../facts/plugin-lookup';
import { AppLoadError, loadConfigOffline } from '../facts/offline';
import {
  MANIFEST_FILE, type ManifestDifference, ManifestError, type PluginManifest, buildManifest, describeDrift, diffManifests, pinnedPluginDrift, readManifest,
  serializeManifest,
} from '../plugins/manifest';
import { type CliIO, type Command, EXIT, loaderMessage, parseCommandArgs, UsageError } from './command';

const DEFAULT_ENVS = [ 'prod' ];

const usage = `Usage: egg-sentinel pin [options]

Writes ${MANIFEST_FILE} in the app: for every plugin enabled in each env, its name, package, version, directory
(relative to the app) and the SHA-256 of each of its files (its own node_modules left out; with --deep, also every
package of its production dependency closure). Sorted and without timestamps, so a change is a small diff. At boot
egg-sentinel refuses plugins whose files differ (SEN104). Commit the file; pin again after a reviewed upgrade.

Options:
  --base-dir DIR  the app's root (its package.json); default: the current directory
  --env ENV       an env whose enabled plugins are pinned; repeat it for several; default: the envs of the
                  existing ${MANIFEST_FILE}, else prod
  --scope SCOPE   server scope; default: EGG_SERVER_SCOPE
  --deep          also pin each plugin's production dependency closure; default: as the existing
                  ${MANIFEST_FILE} was pinned, or config.sentinel.plugins.deep (to pin shallower, remove the file)
  --check         write nothing: compare the installed plugins with ${MANIFEST_FILE}
  -h, --help      show this help

What runs: the config/plugin.* and config/config.* files of the app, its framework and its plugins (egg config is
code); no boot hook, middleware, controller or router.

Exit codes: 0 written, or (--check) no difference; 1 (--check) the plugins differ from ${MANIFEST_FILE};
2 bad arguments, the app could not be loaded, or (--check) no usable ${MANIFEST_FILE}.`;

interface PinOptions {
  baseDir: string;
  envs: string[];
  scope?: string;
  /** undefined: from config.sentinel.plugins.deep of the app. */
  deep?: boolean;
  /** `--check`: the manifest checked, whose plugins keep the source-tree decision recorded when pinned. */
  recorded?: PluginManifest;
}

/** The envs egg itself knows (NODE_ENV maps to them); another is only what the app's env files make it. */
const EGG_ENVS = new Set([ 'local', 'unittest', 'prod', 'default' ]);

function hasEnvFiles(baseDir: string, env: string): boolean {
  const configDir = path.join(baseDir, 'config');
  const names = fs.existsSync(configDir) ? fs.readdirSync(configDir) : [];
  return names.some(name => name.startsWith(`config.${env}.`) || name.startsWith(`plugin.${env}.`));
}

/** Loads the enabled plugins of every env and builds the manifest they would have now. */
async function currentManifest(options: PinOptions, io: CliIO): Promise<PluginManifest> {
  let deepFromConfig = false;
  const envs = [];
  // One env after the other (egg 4's loader is asynchronous): each load runs the app's config files.
  for (const env of options.envs) {
    if (!EGG_ENVS.has(env) && !hasEnvFiles(options.baseDir, env)) {
      io.stderr.write(`egg-sentinel pin: env ${JSON.stringify(env)} has no config/config.${env}.* or config/plugin.${env}.* file in the app, ` +
        'so it pins what config.default enables; check the name (egg\'s envs: local, unittest, prod, or EGG_SERVER_ENV\'s)\n');
    }
    // The plugin list does not depend on secrets: env.secret('EGG_KEYS') reads as unset instead of stopping the load.
    const loaded = await readingUnsetVariablesAsUnset(() => loadConfigOffline({
      baseDir: options.baseDir, env, scope: options.scope,
      warn: message => io.stderr.write(`egg-sentinel pin: egg's loader says: ${loaderMessage(message, process.env)}\n`),
      notice: message => io.stderr.write(`egg-sentinel pin: ${message}\n`),
    }));
    deepFromConfig ||= (loaded.config.sentinel as { plugins?: { deep?: unknown } } | undefined)?.plugins?.deep === true;
    // egg 4 loads a plugin from the build inside its package (eggPlugin.exports); the package is what is pinned.
    const plugins = Object.entries(loaded.plugins)
      .filter(([ , plugin ]) => typeof plugin.path === 'string')
      .map(([ name, plugin ]) => ({ name, dir: realPathLoose(pluginPackageDir(plugin.path as string)), byName: loaded.foundByName.has(name) }));
    envs.push({ env, plugins });
  }
  try {
    return buildManifest({ baseDir: options.baseDir, deep: options.deep ?? deepFromConfig, envs, recorded: options.recorded });
  } catch (error) {
    // A plugin file that cannot be read (EACCES, gone while hashing) is a problem of the app, not a bug.
    if (error instanceof ManifestError || (error as NodeJS.ErrnoException).code) throw new AppLoadError((error as Error).message);
    throw error;
  }
}

async function write(options: PinOptions, envsGiven: boolean, io: CliIO): Promise<number> {
  // Pinning again after a reviewed change (what --check advises) keeps the envs and depth the manifest has.
  const existing = existingManifest(options.baseDir, io);
  const kept = existing ? { envs: envsGiven ? options.envs : existing.envs, deep: options.deep ?? (existing.deep || undefined) } : options;
  const inherited = existing ? [ ...(envsGiven ? [] : [ `env ${kept.envs.join(', ')}` ]), ...(options.deep === undefined && existing.deep ? [ '--deep' ] : []) ] : [];
  if (inherited.length) io.stderr.write(`egg-sentinel pin: ${inherited.join(' and ')}, as the existing ${MANIFEST_FILE} was pinned\n`);
  const manifest = await currentManifest({ ...options, ...kept }, io);
  const file = path.join(options.baseDir, MANIFEST_FILE);
  fs.writeFileSync(file, serializeManifest(manifest));
  const rows = Object.entries(manifest.plugins).map(([ name, plugin ]) => {
    const deps = plugin.dependencies ? `, ${Object.keys(plugin.dependencies).length} dependencies` : '';
    return `  ${name}  ${plugin.package ?? '(no package.json)'}@${plugin.version ?? '?'}  ${plugin.path}  ${Object.keys(plugin.files).length} files${deps}`;
  });
  io.stdout.write(`${MANIFEST_FILE}: ${rows.length} plugin(s) pinned for env ${manifest.envs.join(', ')}${manifest.deep ? ' (deep)' : ''}\n${rows.join('\n')}\n`);
  return EXIT.clean;
}

/** The manifest already in the app, if it can be read; a broken one is replaced by `pin` as if there were none, said. */
function existingManifest(baseDir: string, io: CliIO): PluginManifest | undefined {
  try {
    return readManifest(baseDir)?.manifest;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    io.stderr.write(`egg-sentinel pin: the existing manifest cannot be read (${error.message}), so its envs and depth are not kept: ` +
      'pass --env and --deep as it was pinned\n');
    return undefined;
  }
}

async function check(options: PinOptions, envsGiven: boolean, io: CliIO): Promise<number> {
  let pinned: PluginManifest;
  try {
    const read = readManifest(options.baseDir);
    if (!read) {
      io.stderr.write(`egg-sentinel pin --check: ${path.join(options.baseDir, MANIFEST_FILE)} does not exist; create it with \`npx egg-sentinel pin\`\n`);
      return EXIT.error;
    }
    pinned = read.manifest;
  } catch (error) {
    if (!(error instanceof ManifestError)) throw error;
    io.stderr.write(`egg-sentinel pin --check: ${error.message}\n`);
    return EXIT.error;
  }
  if (options.deep && !pinned.deep) {
    // Compared at a depth it was not pinned at, every dependency would read as added.
    io.stderr.write(`egg-sentinel pin --check --deep: ${MANIFEST_FILE} was pinned without --deep, so it lists no dependencies to check; ` +
      'run `npx egg-sentinel pin --deep` and commit the manifest, or check without --deep\n');
    return EXIT.error;
  }
  const envs = envsGiven ? options.envs : pinned.envs;
  // The pinned plugins' files first, before any config (a plugin's code) is loaded to learn which plugins are enabled,
  // and the copy egg-core's lookup (this process's, which loads the config next) finds of each.
  const tampered = pinnedPluginDrift(options.baseDir, pinned, envs, pluginLookup(options.baseDir, { cwd: io.cwd, env: io.env }));
  if (tampered.length) return reportDifferences(tampered, envs, io, ' (found before loading any config: no plugin code ran)');
  const current = await currentManifest({ ...options, envs, deep: options.deep ?? pinned.deep, recorded: pinned }, io);
  const differences = diffManifests(pinned, current);
  if (!differences.length) {
    io.stdout.write(`${MANIFEST_FILE}: the ${Object.keys(current.plugins).length} plugin(s) enabled in env ${current.envs.join(', ')} match\n`);
    return EXIT.clean;
  }
  return reportDifferences(differences, current.envs, io, '');
}

function reportDifferences(differences: ManifestDifference[], envs: readonly string[], io: CliIO, note: string): number {
  const lines = differences.map(({ plugin, difference }) => {
    if (difference === 'not-pinned') return `  ${plugin}: enabled, not in ${MANIFEST_FILE}`;
    if (difference === 'not-enabled') return `  ${plugin}: in ${MANIFEST_FILE}, no longer enabled`;
    return `  ${plugin}: ${describeDrift(difference)}`;
  });
  io.stdout.write(`${MANIFEST_FILE}: ${differences.length} plugin(s) differ (env ${envs.join(', ')})${note}\n${lines.join('\n')}\n` +
    'Review the changes; if they are intended, run `npx egg-sentinel pin` and commit the new manifest.\n');
  return EXIT.findings;
}

export const pinCommand: Command = {
  name: 'pin',
  summary: `write ${MANIFEST_FILE} (per-file SHA-256 of every enabled plugin), or --check it`,
  usage,
  run(args, io) {
    const { values } = parseCommandArgs({
      args,
      strict: true,
      options: {
        'base-dir': { type: 'string' },
        env: { type: 'string', multiple: true },
        scope: { type: 'string' },
        deep: { type: 'boolean' },
        check: { type: 'boolean', default: false },
      },
    });
    for (const value of [ ...(values.env ?? []), ...(values.scope === undefined ? [] : [ values.scope ]) ]) {
      if (!isSafeEnvName(value)) throw new UsageError(`${JSON.stringify(value)} is not a valid env or scope name; use letters, digits, "_" and "-" (e.g. prod)`);
    }
    const baseDir = path.resolve(io.cwd, values['base-dir'] ?? '.');
    if (!fs.existsSync(path.join(baseDir, 'package.json'))) {
      throw new UsageError(`--base-dir ${JSON.stringify(values['base-dir'] ?? '.')}: ${baseDir} has no package.json; run pin in the app's root`);
    }
    const options: PinOptions = { baseDir, envs: [ ...new Set(values.env ?? DEFAULT_ENVS) ], scope: values.scope, deep: values.deep };
    return values.check ? check(options, values.env !== undefined, io) : write(options, values.env !== undefined, io);
  },
};
