import { EggAppConfig, EggAppInfo, PowerPartial } from 'egg';

export default (appInfo: EggAppInfo) => {
  const config = {} as PowerPartial<EggAppConfig>;

  // The scaffold's timestamp replaced by something "simpler": 16 guessable characters sign every cookie.
  config.keys = appInfo.name + '123456';

  config.middleware = [];

  return config;
};
