/**
 * Compile-time test (run by `npm run typecheck`): config.sentinel is typed through egg's EggAppConfig,
 * so a TypeScript app's config files get completion and errors. Each @ts-expect-error must stay an error.
 */
import type { EggAppConfig, PowerPartial } from 'egg';
import '../../index';

export const valid: PowerPartial<EggAppConfig> = {
  sentinel: {
    failOn: 'high',
    rules: { SEN201: 'off', SEN301: 'critical' },
    waivers: [{ rule: 'SEN201', target: 'config.keys', reason: 'rotating', expires: '2030-01-01' }],
    report: { log: true, file: false, path: 'sentinel.json' },
  },
};

export const typoInThreshold: PowerPartial<EggAppConfig> = {
  // @ts-expect-error 'hgh' is not a severity
  sentinel: { failOn: 'hgh' },
};

export const unknownOption: PowerPartial<EggAppConfig> = {
  // @ts-expect-error failon is not an option (the runtime schema refuses it too)
  sentinel: { failon: 'high' },
};

export const reportLogNotBoolean: PowerPartial<EggAppConfig> = {
  // @ts-expect-error report.log is a boolean
  sentinel: { report: { log: 'yes' } },
};
