'use strict';

module.exports = {
  keys: process.env.EGG_KEYS,
  // Rolled out in report mode "for a week" to watch for false alarms, and never switched to enforce:
  // forged agent <-> worker messages are still delivered.
  sentinel: { ipc: { mode: 'report' } },
};
