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
    writeNewFile(temp, data);
    fs.renameSync(temp, file);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
}

/**
 * Creates `file` (0600) and writes `data`, never through an existing file or symlink there: a link planted at the
 * temp name would otherwise receive the data. Something already there (a crashed run's temp file, or a planted link)
 * is removed (the link itself, not its target) and creation tried once more.
 */
function writeNewFile(file: string, data: string): void {
  let fd: number;
  try {
    fd = fs.openSync(file, 'wx', 0o600);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    fs.unlinkSync(file);
    fd = fs.openSync(file, 'wx', 0o600);
  }
  try {
    fs.writeFileSync(fd, data);
    fs.fchmodSync(fd, 0o600);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * The text of `file` when it is a regular file this user owns and nobody else can read or write (mode 0600, as
 * writePrivateFile leaves it), and `accept` takes its stat; else undefined. Checked on the descriptor that is then
 * read (no swap between the check and the read), opened without following a symlink: a file another user planted in
 * a shared run dir is never taken for one egg-sentinel wrote.
 */
export function readPrivateFile(file: string, accept: (stat: fs.Stats) => boolean = () => true): string | undefined {
  let fd: number | undefined;
  try {
    // Non-blocking: opening a FIFO planted there would otherwise wait for a writer for ever.
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NOFOLLOW ?? 0) | (fs.constants.O_NONBLOCK ?? 0));
    const stat = fs.fstatSync(fd);
    if (!stat.isFile() || (process.getuid && stat.uid !== process.getuid()) || (stat.mode & 0o077) !== 0 || !accept(stat)) return undefined;
    return fs.readFileSync(fd, 'utf8');
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

/**
 * How every egg-sentinel report starts: the JSON report (`tool` first), a SARIF log, the audit's text report.
 */
const REPORT_START = /^(?:\{\s*"tool":\s*\{\s*"name":\s*"egg-sentinel"|\{\s*"\$schema":\s*"[^"]*sarif|egg-sentinel \S+ audit of )/;

/**
 * writePrivateFile for a report, which never replaces a file that is not an egg-sentinel report: a `report.path` or
 * `--output` mistyped onto a config file, egg's dump or the IPC key must not destroy it. An empty file is replaced.
 * `fix`: what the user should do instead, for the error.
 */
export function writeReportFile(file: string, data: string, fix = 'point config.sentinel.report.path at a file of its own'): void {
  refuseNonReport(file, fix);
  writePrivateFile(file, data);
}

/** Whether `file` is a directory; a path it cannot stat (a parent that is a file, ENOTDIR) is left to the write to explain. */
function isDirectory(file: string): boolean {
  try {
    return fs.statSync(file, { throwIfNoEntry: false })?.isDirectory() === true;
  } catch {
    return false;
  }
}

/** Throws when `file` is a directory or holds a file that is not an egg-sentinel report (see writeReportFile). */
export function refuseNonReport(file: string, fix: string): void {
  if (isDirectory(file)) throw new Error(`EISDIR: ${file} is a directory: give a file path`);
  const start = fileStart(file);
  if (start.trim() && !REPORT_START.test(start)) {
    throw new Error(`${file} holds a file that is not an egg-sentinel report, which egg-sentinel does not overwrite: ${fix}`);
  }
}

const DEFAULT_REPORT_FILE = 'sentinel-report.json';

/** Where the boot report goes for `config.sentinel` as loaded, valid or not; undefined when `report.file` is false. */
export function bootReportFile(sentinel: unknown, runDir: string): string | undefined {
  const report = (sentinel && typeof sentinel === 'object' ? (sentinel as { report?: unknown }).report : undefined) as { file?: unknown; path?: unknown } | undefined;
  if (report?.file === false) return undefined;
  return path.resolve(runDir, typeof report?.path === 'string' && report.path ? report.path : DEFAULT_REPORT_FILE);
}

/**
 * This process's parent when egg-sentinel loaded, its master for a worker: process.ppid is read live, and a worker
 * whose master exited since (a sibling refused) is reparented, so it would take that sibling's report for another master's.
 */
const PARENT_AT_LOAD = process.ppid;

/**
 * Removes the report an earlier boot left at `file`, so that tooling cannot read its verdict as this boot's (a boot
 * that fails before its check writes none); never a file that is not an egg-sentinel report, nor one a sibling process
 * of this boot wrote (another worker of the same master, since this process started, which may have refused and exited
 * while this one failed as the master shut the cluster down). With `unlessLive`, only when the process that wrote it is gone (at start: a
 * sibling worker's report of this boot stays). Whether it did.
 */
export function removeEarlierReport(file: string, { unlessLive = false } = {}): boolean {
  const start = fileStart(file);
  if (!REPORT_START.test(start)) return false;
  const pid = Number(/"pid":\s*(\d+)/.exec(start)?.[1]);
  const ppid = Number(/"ppid":\s*(\d+)/.exec(start)?.[1]);
  if (pid && pid !== process.pid && ppid === PARENT_AT_LOAD && writtenSinceStart(start)) return false;
  if (unlessLive && pid && isAlive(pid)) return false;
  fs.rmSync(file, { force: true });
  return true;
}

/**
 * Whether the report was written after this process started (less a second): egg-cluster forks a boot's workers
 * together, so a sibling's report is, and an earlier boot's (a master that got the same pid again, PID 1 in a
 * container) is not.
 */
function writtenSinceStart(start: string): boolean {
  const written = Date.parse(/"generatedAt":\s*"([^"]+)"/.exec(start)?.[1] ?? '');
  // Since the master started, where it can be read: a worker egg-cluster forks again after a sibling refused and exited
  // starts after that sibling wrote its report, which is still this boot's (the intermittent demo failure of session 34).
  return written >= (PARENT_STARTED_AT ?? Date.now() - process.uptime() * 1000) - SIBLING_START_SLACK_MS;
}

/** When this process's parent at load started (ms since the epoch), from Linux's /proc; undefined where it cannot be read. */
function parentStartedAt(): number | undefined {
  try {
    const stat = fs.readFileSync(`/proc/${PARENT_AT_LOAD}/stat`, 'utf8');
    // After the command's closing parenthesis: field 3 (state) on; starttime is field 22, in clock ticks since boot (USER_HZ, 100).
    const ticks = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19]);
    const bootSeconds = Number(/^btime (\d+)$/m.exec(fs.readFileSync('/proc/stat', 'utf8'))?.[1]);
    const started = bootSeconds * 1000 + ticks * 10;
    return Number.isFinite(started) && started > 0 && started <= Date.now() ? started : undefined;
  } catch {
    return undefined;
  }
}

const PARENT_STARTED_AT = parentStartedAt();

const SIBLING_START_SLACK_MS = 1000;

/** Whether a process with this pid runs. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: it exists, owned by another user.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The first 256 bytes of a file as text; empty when there is no file (ENOTDIR: a file stands where a directory should). */
function fileStart(file: string): string {
  try {
    const fd = fs.openSync(file, 'r');
    try {
      const buffer = Buffer.alloc(256);
      return buffer.toString('utf8', 0, fs.readSync(fd, buffer, 0, buffer.length, 0));
    } finally {
      fs.closeSync(fd);
    }
  } catch (error) {
    if (![ 'ENOENT', 'ENOTDIR' ].includes((error as NodeJS.ErrnoException).code ?? '')) throw error;
    return '';
  }
}
