'use strict';
const fs = require('node:fs');

const { SOAK_ENCRYPT, SOAK_LOG_DIR, SOAK_RUN_DIR, SOAK_SECRETS_FILE } = process.env;

/**
 * With configured keys the secret and the secrets still accepted come from a mounted secret file, read when the
 * process boots: a process that egg-cluster re-forks after the file changed signs with the new key, the others keep
 * theirs. Without SOAK_SECRETS_FILE egg-sentinel generates the key (the default).
 */
function configuredKeys() {
  return SOAK_SECRETS_FILE ? JSON.parse(fs.readFileSync(SOAK_SECRETS_FILE, 'utf8')) : {};
}

module.exports = {
  keys: 'soak-only-cookie-key-Wm4Tq9Lx2Zr7Kb5Nv8Hc3Jd6Pf1Gs0Ya',
  logger: { dir: SOAK_LOG_DIR },
  rundir: SOAK_RUN_DIR,
  sentinel: {
    // the soak measures the IPC guard; the boot checks are not what it is about
    failOn: 'never',
    report: { log: false },
    ipc: { mode: 'enforce', encrypt: SOAK_ENCRYPT === '1', ...configuredKeys() },
  },
};
