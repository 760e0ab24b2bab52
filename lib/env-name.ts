/**
 * Egg builds file names from the server env and scope (`config/config.<env>.js`, `plugin.<scope>_<env>.js`)
 * and runs them, so anything but these characters can point outside the app.
 */
export const SAFE_ENV_NAME = /^[A-Za-z0-9_-]+$/;

export function isSafeEnvName(value: string): boolean {
  return SAFE_ENV_NAME.test(value);
}

/** A printable rendering of an untrusted value for messages; long values keep their start and their end. */
export function quoteForMessage(value: string, max = 120): string {
  const half = Math.floor(max / 2);
  const shown = value.length > max ? `${value.slice(0, half)}…${value.slice(-half)}` : value;
  return JSON.stringify(shown);
}
