/**
 * egg-sentinel's public API and the typing of `config.sentinel`.
 * egg-ts-helper imports this module for enabled plugins, which brings the augmentation below into TypeScript apps.
 */
import type { SentinelConfigInput } from './lib/config/types';
import type { SentinelRuntime } from './lib/boot';

export type { SentinelConfig, SentinelConfigInput, SentinelReportConfig, WaiverConfig } from './lib/config/types';
export type { Finding } from './lib/report/finding';
export type { Severity, Threshold } from './lib/report/severity';
export type { SentinelReport } from './lib/report/report';
export type { SentinelRuntime } from './lib/boot';
export type { IpcStats } from './lib/ipc/messenger';
export { SentinelBootError } from './lib/report/boot-error';
export { SentinelConfigError } from './lib/config/validate';
export { isSafeEnvName } from './lib/env-name';
export { env, SentinelEnvError, type EnvOptions, type SecretOptions } from './lib/env';
export type { SentinelDumpsConfig, SentinelPathsConfig } from './lib/config/types';
export type {
  MiddlewareOrderConfig, ProtectedRoutesConfig, PublicRouteConfig, RouteMethod, SentinelMiddlewareConfig, SentinelRoutesConfig,
} from './lib/config/types';

declare module 'egg' {
  interface EggAppConfig {
    /** As config files write it (a rotation's `until` may be a Date); egg-sentinel validates and normalises it at boot. */
    sentinel: SentinelConfigInput;
  }
  interface Application {
    sentinel: SentinelRuntime;
  }
  interface Agent {
    sentinel: SentinelRuntime;
  }
}
