import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];
// Removed when the test process exits, not after each test: clusters and CLI children may still hold files in them.
process.on('exit', () => {
  for (const dir of made) {
    try {
      fs.rmSync(dir, { recursive: true, force: true });
    } catch (error) {
      process.stderr.write(`could not remove the test directory ${dir}: ${(error as Error).message}\n`);
    }
  }
});

/** A fresh directory `sentinel-<prefix>-XXXXXX` in the OS temp dir, removed when the test process exits. */
export function tempDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), `sentinel-${prefix}-`));
  made.push(dir);
  return dir;
}
