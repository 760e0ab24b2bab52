import fs from 'node:fs';
import path from 'node:path';

/** Writes `data` to `file` with mode 0600, atomically (temp file + rename), creating the directory 0700 if missing. */
export function writePrivateFile(file: string, data: string): void {
  fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
  const temp = `${file}.${process.pid}.tmp`;
  try {
    fs.writeFileSync(temp, data, { mode: 0o600 });
    fs.chmodSync(temp, 0o600);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}
