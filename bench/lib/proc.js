'use strict';
/** CPU time of a process group from /proc (Linux): less disturbed by other load on a shared machine than wall time. */
const fs = require('node:fs');

// utime and stime are in clock ticks; USER_HZ is 100 on every Linux that node supports.
const TICK_MS = 10;

/** CPU milliseconds (user + system) used so far by every live process of the group, or undefined without /proc. */
function groupCpuMs(groupId) {
  let entries;
  try {
    entries = fs.readdirSync('/proc').filter(name => /^\d+$/.test(name));
  } catch {
    return undefined;
  }
  let ticks = 0;
  let processes = 0;
  for (const pid of entries) {
    let stat;
    try {
      stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    } catch {
      continue; // exited meanwhile
    }
    // The command name may contain spaces and parentheses: the fields start after its last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    if (Number(fields[2]) !== groupId) continue;
    ticks += Number(fields[11]) + Number(fields[12]);
    processes++;
  }
  return { ms: ticks * TICK_MS, processes };
}

module.exports = { groupCpuMs };
