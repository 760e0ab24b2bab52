import fs from 'node:fs';
import path from 'node:path';

/** Writes `data` to `file` with mode 0600, atomically (temp file + rename), creating the directory 0700 if missing. */
export function writePrivateFile(file: string, data: string): void {
  const dir = path.dirname(file);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (error) {
    // mkdir's own message ("EEXIST: file already exists") hides that a file stands where the directory should be.
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') throw Object.assign(new Error(`${dir} exists and is not a directory`), { code: 'ENOTDIR' });
    throw error;
  }
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
