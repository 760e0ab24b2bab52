import type { EggAppConfig, PowerPartial } from 'egg';

// Production takes the cookie keys from the environment; without them the scaffolded key stays and egg-sentinel refuses boot.
export default (): PowerPartial<EggAppConfig> => {
  const keys = process.env.EXAMPLE_COOKIE_KEYS;
  return keys ? { keys } : {};
};
