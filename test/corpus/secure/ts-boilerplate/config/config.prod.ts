import { EggAppConfig, PowerPartial } from 'egg';

export default () => {
  const config: PowerPartial<EggAppConfig> = {};
  // Production reads its cookie signing key from the environment.
  config.keys = process.env.EGG_KEYS;
  return config;
};
