/**
 * What an archive in a static dir holds, as far as it is cheap to tell (SEN203): the entry names of a tar, a gzipped
 * tar or a ZIP file, and the first bytes of the entries asked for, read within a byte budget. No other format is
 * unpacked: 7-Zip, RAR, bzip2, xz and zstd are only named as such.
 */
import fs from 'node:fs';
import zlib from 'node:zlib';

/** How a file's name says it is packed; undefined for any other file. */
export type Packing =
  | { kind: 'tar' }
  | { kind: 'zip' }
  /** One compressed file (`dump.sql.gz`), or a compressed tar (`deploy.tgz`): `inner` is the name without the compression. */
  | { kind: 'compressed'; inner: string; tar: boolean; format: string }
  | { kind: 'unreadable'; format: string };

const ZIP_NAME = /\.(?:zip|jar|war|ear)$/i;
const OTHER_ARCHIVE: ReadonlyArray<[RegExp, string]> = [ [ /\.7z$/i, '7-Zip' ], [ /\.rar$/i, 'RAR' ] ];
/**
 * Compressors of one file, by extension; only gzip is unpacked. The short names (`.tgz`, `.txz`…) stand for `.tar.<x>`.
 * Brotli is a web server's precompressed asset (`app.js.br`) as a rule, judged by the name inside as gzip's `app.js.gz` is.
 */
const COMPRESSION = /\.(gz|bz2|xz|zst|lz|lzma|z|br|tgz|tbz2?|txz|tzst|tlz|taz)$/i;
const FORMAT: Readonly<Record<string, string>> = {
  gz: 'gzip', tgz: 'gzip', z: 'compress', taz: 'compress', bz2: 'bzip2', tbz: 'bzip2', tbz2: 'bzip2', xz: 'xz', txz: 'xz',
  zst: 'zstd', tzst: 'zstd', lz: 'lzip', tlz: 'lzip', lzma: 'lzma', br: 'brotli',
};

export function packing(name: string): Packing | undefined {
  if (/\.tar$/i.test(name)) return { kind: 'tar' };
  if (ZIP_NAME.test(name)) return { kind: 'zip' };
  const other = OTHER_ARCHIVE.find(([ pattern ]) => pattern.test(name));
  if (other) return { kind: 'unreadable', format: other[1] };
  const match = COMPRESSION.exec(name);
  if (!match) return undefined;
  const extension = match[1].toLowerCase();
  const inner = extension.startsWith('t') ? `${name.slice(0, match.index)}.tar` : name.slice(0, match.index);
  return { kind: 'compressed', inner, tar: /\.tar$/i.test(inner), format: FORMAT[extension] };
}

export interface ArchiveEntry {
  /** As the archive names it (`app/.env`); directories are left out. */
  name: string;
  /** The entry's first bytes as text, when it was asked for and could be read. */
  text?: string;
  /** Asked for, but not read (up to `entryBytes`): past the budget, encrypted, or packed in a way it does not unpack. */
  unread?: true;
}

/**
 * Which entries to read, by name, and in what order: a rank, lower read first (the budget goes to the entries that
 * matter most); undefined for an entry not read.
 */
export type EntryRank = (name: string) => number | undefined;

/** What listTar and listZip find; listArchive adds what it cost. */
type Listing = Omit<ArchiveListing, 'work'>;

export interface ArchiveListing {
  entries: ArchiveEntry[];
  /** One compressed file (`prod.env.gz`), not an archive of several: its one entry is that file. */
  single?: true;
  /** Every entry's name was seen (an entry asked for but not read is `unread`). */
  complete: boolean;
  /** Bytes read from disk and unpacked (each try of unpackPrefix counted): what looking through it cost. */
  work: number;
}

export interface ArchiveLimits {
  /** The most read of one entry (and of one compressed file's contents). */
  entryBytes: number;
  /** The most read from disk for one archive, and the most a compressed one is unpacked to. */
  archiveBytes: number;
}

/** Bytes of an archive: `read` answers up to `length` bytes (fewer at the end), or undefined once the budget is spent. */
interface Source {
  read(offset: number, length: number): Buffer | undefined;
  /** The source holds the whole archive (an unpacked one may stop at the unpacking limit). */
  whole: boolean;
  /** Bytes read from disk and unpacked so far. */
  work: { bytes: number };
}

function fileSource(fd: number, size: number, budget: number): Source {
  const work = { bytes: 0 };
  return {
    whole: true,
    work,
    read(offset, length) {
      const wanted = Math.max(0, Math.min(length, size - offset));
      if (work.bytes + wanted > budget) return undefined;
      work.bytes += wanted;
      const buffer = Buffer.alloc(wanted);
      return buffer.subarray(0, fs.readSync(fd, buffer, 0, wanted, offset));
    },
  };
}

function bufferSource(buffer: Buffer, whole: boolean, work: { bytes: number }): Source {
  return { whole, work, read: (offset, length) => buffer.subarray(offset, offset + length) };
}

/**
 * The entries of a tar, zip or compressed file at `file`, reading the entries `rank` asks for, in its order, up to
 * `limits.entryBytes` each. Undefined when it is not what its name says (not a valid tar or zip, corrupt gzip data)
 * or cannot be read.
 */
export function listArchive(file: string, how: Exclude<Packing, { kind: 'unreadable' }>, rank: EntryRank,
  limits: ArchiveLimits): ArchiveListing | undefined {
  let fd: number | undefined;
  try {
    fd = fs.openSync(file, 'r');
    const size = fs.fstatSync(fd).size;
    const source = fileSource(fd, size, limits.archiveBytes);
    const listing = listFrom(source, size, how, rank, limits);
    return listing && { ...listing, work: source.work.bytes };
  } catch {
    return undefined;
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

function listFrom(source: Source, size: number, how: Exclude<Packing, { kind: 'unreadable' }>, rank: EntryRank,
  limits: ArchiveLimits): Listing | undefined {
  if (how.kind === 'tar') return listTar(source, rank, limits.entryBytes);
  if (how.kind === 'zip') return listZip(source, size, rank, limits.entryBytes);
  // One compressed file is read for its first bytes only (a gzipped sitemap may be large); a tar as far as the budget goes.
  const first = how.tar ? limits.archiveBytes : limits.entryBytes;
  let packed = source.read(0, first) as Buffer;
  let unpacked = unpackPrefix(packed, first, zlib.gunzipSync, source.work);
  const tar = unpacked && (how.tar || isTarHeader(unpacked.data));
  if (tar && !how.tar) {
    // A tar under another name (`backup.gz`).
    packed = Buffer.concat([ packed, source.read(packed.length, limits.archiveBytes - packed.length) as Buffer ]);
    unpacked = unpackPrefix(packed, limits.archiveBytes, zlib.gunzipSync, source.work);
  }
  if (!unpacked) return undefined;
  if (tar) return listTar(bufferSource(unpacked.data, unpacked.whole && packed.length === size, source.work), rank, limits.entryBytes);
  return { entries: [{ name: how.inner, text: unpacked.data.toString('utf8') }], single: true, complete: true };
}

/**
 * The start of compressed data (gzip, or a ZIP entry's raw deflate), unpacked to at most `limit` bytes: a small file
 * may unpack to gigabytes, and zlib gives nothing past its `maxOutputLength`, so the longest prefix of the input that
 * stays within it is searched for (each try stops there). Undefined for data that is not of that kind.
 */
function unpackPrefix(packed: Buffer, limit: number, unpack: typeof zlib.gunzipSync, work: { bytes: number }): { data: Buffer; whole: boolean } | undefined {
  const options = { finishFlush: zlib.constants.Z_SYNC_FLUSH, maxOutputLength: limit + UNPACK_SLACK };
  const attempt = (length: number): Buffer | undefined => {
    try {
      const data = unpack(packed.subarray(0, length), options);
      work.bytes += data.length;
      return data;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ERR_BUFFER_TOO_LARGE') throw error;
      work.bytes += options.maxOutputLength;
      return undefined;
    }
  };
  try {
    const whole = attempt(packed.length);
    if (whole) return { data: whole.subarray(0, limit), whole: whole.length <= limit };
    let data: Buffer = Buffer.alloc(0);
    for (let fits = 0, tooLong = packed.length; tooLong - fits > 1;) {
      const middle = Math.floor((fits + tooLong) / 2);
      const unpacked = attempt(middle);
      if (unpacked) [ data, fits ] = [ unpacked, middle ];
      else tooLong = middle;
    }
    return { data: data.subarray(0, limit), whole: false };
  } catch {
    return undefined;
  }
}

/**
 * One more byte of deflate data unpacks to at most about 2 KiB (eight codes of 258 bytes): with this much room past
 * the limit, the longest prefix that fits fills it.
 */
const UNPACK_SLACK = 4096;

const BLOCK = 512;

function octal(header: Buffer, start: number, length: number): number {
  // GNU's base-256 form for sizes of 8 GiB and more: such an entry ends the walk (the source holds no more).
  if (header[start] & 0x80) return Number.MAX_SAFE_INTEGER;
  const text = header.toString('latin1', start, start + length).replace(/\0.*$/s, '').trim();
  return /^[0-7]+$/.test(text) ? parseInt(text, 8) : NaN;
}

/** A tar header block: its checksum adds up (the sum of its bytes, the checksum field counted as spaces). */
function isTarHeader(block: Buffer): boolean {
  if (block.length < BLOCK) return false;
  let sum = 8 * 0x20;
  for (let index = 0; index < BLOCK; index++) if (index < 148 || index >= 156) sum += block[index];
  return octal(block, 148, 8) === sum;
}

function cString(buffer: Buffer, start = 0, end = buffer.length): string {
  const text = buffer.toString('utf8', start, end);
  const nul = text.indexOf('\0');
  return nul < 0 ? text : text.slice(0, nul);
}

/** A pax extended header's `path` record (`<length> path=<name>\n`). */
function paxPath(data: Buffer): string | undefined {
  return /(?:^|\n)\d+ path=([^\n]*)\n/.exec(data.toString('utf8'))?.[1];
}

/** The size of a name record (GNU `L`, pax `x`) read whole. */
const NAME_RECORD_BYTES = 4096;

/** The entries asked for, lowest rank first; within a rank in the archive's order (sort is stable). */
function byRank<T extends { rank: number }>(wanted: T[]): T[] {
  return wanted.sort((a, b) => a.rank - b.rank);
}

function listTar(source: Source, rank: EntryRank, entryBytes: number): Listing | undefined {
  const entries: ArchiveEntry[] = [];
  const wanted: Array<{ entry: ArchiveEntry; rank: number; data: number; size: number }> = [];
  const complete = walkTar(source, (name, data, size) => {
    const entry: ArchiveEntry = { name };
    entries.push(entry);
    const order = rank(name);
    if (order !== undefined) wanted.push({ entry, rank: order, data, size });
  });
  if (complete === undefined) return undefined;
  // Read once every name is known, so the budget goes to the entries that matter most wherever the tar has them.
  for (const { entry, data, size } of byRank(wanted)) {
    const text = source.read(data, Math.min(size, entryBytes));
    // Past the budget the content goes unread (a smaller entry may still fit); a tar cut short holds less of it.
    if (text) entry.text = text.toString('utf8');
    if (text?.length !== Math.min(size, entryBytes)) entry.unread = true;
  }
  return { entries, complete };
}

/**
 * Walks a tar's headers, telling `found` each file's name and where its data is: whether it saw them all (the end
 * blocks), undefined when the first block is no tar header.
 */
function walkTar(source: Source, found: (name: string, data: number, size: number) => void): boolean | undefined {
  let longName: string | undefined;
  for (let offset = 0; ;) {
    const header = source.read(offset, BLOCK);
    if (!header) return false;
    // The end of the archive: its zero blocks, or (a tar cut short of them) the end of the data.
    if (header.length < BLOCK) return offset === 0 ? undefined : source.whole && header.length === 0;
    if (header.every(byte => byte === 0)) return true;
    if (!isTarHeader(header)) return offset === 0 ? undefined : false;
    const size = octal(header, 124, 12);
    const type = String.fromCharCode(header[156]);
    const data = offset + BLOCK;
    if (type === 'L' || type === 'x') {
      const record = source.read(data, Math.min(size, NAME_RECORD_BYTES));
      if (!record) return false;
      longName = type === 'L' ? cString(record) : paxPath(record) ?? longName;
    } else if (type !== 'g' && type !== 'K') {
      // ustar splits a long name into a prefix and a name; GNU's `ustar  ` uses that field for times.
      const ustar = header.toString('latin1', 257, 265) === 'ustar\u000000';
      const prefix = ustar ? cString(header, 345, 500) : '';
      const name = longName ?? (prefix ? `${prefix}/${cString(header, 0, 100)}` : cString(header, 0, 100));
      longName = undefined;
      if (type === '0' || type === '\0' || type === '7') found(name, data, size);
    }
    if (!Number.isSafeInteger(size)) return false;
    offset = data + Math.ceil(size / BLOCK) * BLOCK;
  }
}

const CENTRAL_SIGNATURE = 0x02014b50;
const LOCAL_SIGNATURE = 0x04034b50;
const EOCD_BYTES = Buffer.from([ 0x50, 0x4b, 0x05, 0x06 ]);
/** The end record (22 bytes) and the longest comment after it. */
const EOCD_SEARCH = 22 + 0xffff;
/** Where the end record of a ZIP file without a long comment is. */
const ZIP_TAIL = 1024;
const STORED = 0;
const DEFLATED = 8;

/** A ZIP file's central directory lists every entry at its end: the names, then the entries asked for, inflated. */
function listZip(source: Source, size: number, rank: EntryRank, entryBytes: number): Listing | undefined {
  // The end record is the last 22 bytes but for a comment: looked for at the end first, then as far back as a comment goes.
  let tailStart = 0;
  let tail: Buffer | undefined;
  let end = -1;
  for (const window of [ ZIP_TAIL, EOCD_SEARCH ]) {
    tailStart = Math.max(0, size - window);
    tail = source.read(tailStart, size - tailStart);
    if (!tail) return { entries: [], complete: false };
    end = tail.lastIndexOf(EOCD_BYTES);
    if (end >= 0 || tailStart === 0) break;
  }
  if (!tail || end < 0 || end + 22 > tail.length) return undefined;
  const count = tail.readUInt16LE(end + 10);
  const directorySize = tail.readUInt32LE(end + 12);
  const directoryOffset = tail.readUInt32LE(end + 16);
  // ZIP64 (more than 65,535 entries or 4 GiB) keeps the real figures elsewhere.
  if (count === 0xffff || directoryOffset === 0xffffffff) return { entries: [], complete: false };
  const inTail = directoryOffset >= tailStart && directoryOffset + directorySize <= tailStart + end;
  const directory = inTail ? tail.subarray(directoryOffset - tailStart, directoryOffset - tailStart + directorySize) : source.read(directoryOffset, directorySize);
  if (!directory) return { entries: [], complete: false };
  const entries: ArchiveEntry[] = [];
  const wanted: Array<{ entry: ArchiveEntry; rank: number; flags: number; method: number; packedSize: number; local: number }> = [];
  let complete = true;
  for (let at = 0, index = 0; index < count; index++) {
    if (at + 46 > directory.length || directory.readUInt32LE(at) !== CENTRAL_SIGNATURE) {
      if (!entries.length) return undefined;
      complete = false;
      break;
    }
    const flags = directory.readUInt16LE(at + 8);
    const method = directory.readUInt16LE(at + 10);
    const packedSize = directory.readUInt32LE(at + 20);
    const nameLength = directory.readUInt16LE(at + 28);
    const local = directory.readUInt32LE(at + 42);
    // Bit 11: UTF-8 names; others are CP437, read as Latin-1 (the ASCII names that matter are the same).
    const name = directory.toString(flags & 0x800 ? 'utf8' : 'latin1', at + 46, at + 46 + nameLength);
    at += 46 + nameLength + directory.readUInt16LE(at + 30) + directory.readUInt16LE(at + 32);
    if (name.endsWith('/')) continue;
    const entry: ArchiveEntry = { name };
    entries.push(entry);
    const order = rank(name);
    if (order !== undefined) wanted.push({ entry, rank: order, flags, method, packedSize, local });
  }
  for (const { entry, flags, method, packedSize, local } of byRank(wanted)) {
    // Encrypted (bit 0) or packed some other way: its content is not read.
    const text = flags & 1 || (method !== STORED && method !== DEFLATED) ? undefined : zipEntryText(source, local, packedSize, method, entryBytes);
    if (text === undefined) entry.unread = true;
    else entry.text = text;
  }
  return { entries, complete };
}

function zipEntryText(source: Source, local: number, packedSize: number, method: number, entryBytes: number): string | undefined {
  const header = source.read(local, 30);
  if (!header || header.length < 30 || header.readUInt32LE(0) !== LOCAL_SIGNATURE) return undefined;
  const start = local + 30 + header.readUInt16LE(26) + header.readUInt16LE(28);
  // Deflate rarely packs text below a quarter: that much packed data fills the bytes read of an entry.
  const packed = source.read(start, Math.min(packedSize, method === STORED ? entryBytes : 4 * entryBytes));
  if (!packed) return undefined;
  if (method === STORED) return packed.toString('utf8');
  return unpackPrefix(packed, entryBytes, zlib.inflateRawSync, source.work)?.data.toString('utf8');
}
