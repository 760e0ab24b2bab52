'use strict';
// Removes compiled output (x.js / x.d.ts next to x.ts). egg's loader prefers a stale .js over the .ts source.
const fs = require('node:fs');
const path = require('node:path');

const root = path.resolve(__dirname, '..');
const SKIP = new Set([ 'node_modules', '.git', 'coverage' ]);

function clean(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    if (SKIP.has(entry.name)) continue;
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      clean(full);
    } else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) {
      const stem = full.slice(0, -3);
      for (const output of [ `${stem}.js`, `${stem}.d.ts` ]) fs.rmSync(output, { force: true });
    }
  }
}

clean(root);
