/**
 * Registries, for SEN103: where the app installs packages from (npm's and yarn's public registries, those its
 * .npmrc / .yarnrc name, `config.sentinel.plugins.registries`), and whether a lockfile's `resolved` URL is on one.
 */
import fs from 'node:fs';
import path from 'node:path';

/**
 * npm's and yarn classic's defaults, and the public mirrors of npm egg teams install from (npmmirror, formerly
 * taobao, and cnpm; Tencent's and Huawei's): a lockfile written against one records tarballs there.
 */
export const DEFAULT_REGISTRIES: readonly string[] = [
  'https://registry.npmjs.org/', 'https://registry.yarnpkg.com/',
  'https://registry.npmmirror.com/', 'https://cdn.npmmirror.com/', 'https://registry.npm.taobao.org/', 'https://r.cnpmjs.org/', 'https://registry.cnpmjs.org/',
  'https://mirrors.cloud.tencent.com/npm/', 'https://mirrors.huaweicloud.com/repository/npm/', 'https://repo.huaweicloud.com/repository/npm/',
];

export interface ConfiguredRegistry {
  url: string;
  /** The file and key that name it, e.g. `.npmrc (@acme:registry)`. */
  from: string;
  /**
   * Named by the user's or the environment's npm config (`~/.npmrc`, `npm_config_registry`, which npx and npm run set
   * from the user's and the global npmrc), not by the app's files: a process started without that config lacks it.
   */
  user?: true;
}

/**
 * The registries the app dir's `.npmrc` (`registry=`, `@scope:registry=`), `.yarnrc` (`registry "…"`) and `.yarnrc.yml`
 * (`npmRegistryServer`, also under `npmScopes`) name, and those of the user's `~/.npmrc` and `npm_config_registry`
 * (where a build machine usually sets its registry). A value that is no URL is left out (it allows nothing).
 */
export function readConfiguredRegistries(dir: string, env: NodeJS.ProcessEnv = process.env, home = env.HOME): ConfiguredRegistry[] {
  const read = (file: string) => {
    try {
      return fs.readFileSync(path.resolve(dir, file), 'utf8');
    } catch {
      return '';
    }
  };
  const found: ConfiguredRegistry[] = [];
  const npmrc = (file: string, shown: string, user?: true) => {
    for (const line of read(file).split(/\r?\n/)) {
      const match = /^\s*((?:@[^:\s]+:)?registry)\s*=\s*["']?([^"'\s]+)/.exec(line);
      if (match) found.push({ url: match[2], from: `${shown} (${match[1]})`, ...(user && { user }) });
    }
  };
  npmrc('.npmrc', '.npmrc');
  if (home) npmrc(path.join(home, '.npmrc'), '~/.npmrc', true);
  // npm reads its config variables in any case (Dockerfiles write NPM_CONFIG_REGISTRY).
  const variable = Object.keys(env).find(name => name.toLowerCase() === 'npm_config_registry' && env[name]);
  if (variable) found.push({ url: env[variable] as string, from: variable, user: true });
  for (const line of read('.yarnrc').split(/\r?\n/)) {
    const match = /^\s*("?(?:@[^:\s"]+:)?registry"?)\s+["']?([^"'\s]+)/.exec(line);
    if (match) found.push({ url: match[2], from: `.yarnrc (${match[1].replace(/"/g, '')})` });
  }
  for (const line of read('.yarnrc.yml').split(/\r?\n/)) {
    const match = /^\s*npmRegistryServer:\s*["']?([^"'\s]+)/.exec(line);
    if (match) found.push({ url: match[1], from: '.yarnrc.yml (npmRegistryServer)' });
  }
  return found.filter(entry => parseUrl(entry.url));
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/**
 * The registry (of `registries`, URL prefixes) a URL lies under, compared as parsed URLs: the same origin (scheme,
 * host, port) and a path below the registry's, so `https://registry.npmjs.org.evil.net/…` is on none.
 */
export function registryOf(url: string, registries: readonly string[]): string | undefined {
  const parsed = parseUrl(url);
  if (!parsed) return undefined;
  return registries.find(registry => {
    const allowed = parseUrl(registry);
    if (!allowed || allowed.origin !== parsed.origin) return false;
    const prefix = allowed.pathname.endsWith('/') ? allowed.pathname : `${allowed.pathname}/`;
    return parsed.pathname.startsWith(prefix);
  });
}

/** A URL as it may be shown: without the user name and password some registries put in it. */
export function displayUrl(url: string): string {
  return url.replace(/\/\/[^@/]*@/, '//');
}
