/** Archives built in memory for SEN203's tests, as tar, zip and gzip write them (`tar tf`, `unzip -l` and `gunzip` read them). */
import zlib from 'node:zlib';

export type ArchiveFiles = Record<string, string | Buffer>;

/** A tar header block for one entry of `size` bytes, its checksum filled in. */
function tarHeader(name: string, size: number, type: string): Buffer {
  const header = Buffer.alloc(512);
  header.write(name, 0, 100, 'utf8');
  header.write('0000644\0', 100);
  header.write('0000000\0', 108);
  header.write('0000000\0', 116);
  header.write(`${size.toString(8).padStart(11, '0')}\0`, 124);
  header.write('00000000000\0', 136);
  header.write(' '.repeat(8), 148);
  header.write(type, 156);
  header.write('ustar\u000000', 257);
  const sum = header.reduce((total, byte) => total + byte, 0);
  header.write(`${sum.toString(8).padStart(6, '0')}\0 `, 148);
  return header;
}

function padded(data: Buffer): Buffer[] {
  return [ data, Buffer.alloc((512 - (data.length % 512)) % 512) ];
}

/**
 * A ustar archive of the files, in order, with its two zero blocks at the end. A name longer than 100 bytes is
 * written before its entry as GNU tar does (a `././@LongLink` entry of type L) or as pax does (an `x` header).
 */
export function tarOf(files: ArchiveFiles, options: { longNames?: 'gnu' | 'pax' } = {}): Buffer {
  const blocks: Buffer[] = [];
  for (const [ name, content ] of Object.entries(files)) {
    const data = Buffer.from(content);
    if (Buffer.byteLength(name) > 100) {
      const record = options.longNames === 'pax' ? paxRecord('path', name) : Buffer.from(`${name}\0`);
      blocks.push(options.longNames === 'pax' ? tarHeader('PaxHeaders/entry', record.length, 'x') : tarHeader('././@LongLink', record.length, 'L'), ...padded(record));
    }
    blocks.push(tarHeader(name.slice(0, 100), data.length, '0'), ...padded(data));
  }
  return Buffer.concat([ ...blocks, Buffer.alloc(1024) ]);
}

/** `<length> <key>=<value>\n`, the length counting itself. */
function paxRecord(key: string, value: string): Buffer {
  const body = ` ${key}=${value}\n`;
  let length = Buffer.byteLength(body);
  while (String(length).length + Buffer.byteLength(body) !== length) length = String(length).length + Buffer.byteLength(body);
  return Buffer.from(`${length}${body}`);
}

export function tgzOf(files: ArchiveFiles): Buffer {
  return zlib.gzipSync(tarOf(files));
}

const CRC_TABLE = Array.from({ length: 256 }, (_, index) => {
  let crc = index;
  for (let bit = 0; bit < 8; bit++) crc = crc & 1 ? 0xedb88320 ^ (crc >>> 1) : crc >>> 1;
  return crc >>> 0;
});

function crc32(data: Buffer): number {
  let crc = 0xffffffff;
  for (const byte of data) crc = CRC_TABLE[(crc ^ byte) & 0xff] ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}

/** A ZIP file of the files, deflated (zip's default) or stored; `encrypted` only sets the flag, as a reader sees it. */
export function zipOf(files: ArchiveFiles, options: { store?: boolean; encrypted?: boolean } = {}): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const [ name, content ] of Object.entries(files)) {
    const data = Buffer.from(content);
    const packed = options.store ? data : zlib.deflateRawSync(data);
    const nameBytes = Buffer.from(name, 'utf8');
    const fields = (header: Buffer, at: number) => {
      header.writeUInt16LE(20, at);
      header.writeUInt16LE(0x800 | (options.encrypted ? 1 : 0), at + 2);
      header.writeUInt16LE(options.store ? 0 : 8, at + 4);
      header.writeUInt32LE(crc32(data), at + 10);
      header.writeUInt32LE(packed.length, at + 14);
      header.writeUInt32LE(data.length, at + 18);
      header.writeUInt16LE(nameBytes.length, at + 22);
    };
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    fields(local, 4);
    const entry = Buffer.alloc(46);
    entry.writeUInt32LE(0x02014b50, 0);
    entry.writeUInt16LE(20, 4);
    fields(entry, 6);
    entry.writeUInt32LE(offset, 42);
    locals.push(local, nameBytes, packed);
    central.push(entry, nameBytes);
    offset += local.length + nameBytes.length + packed.length;
  }
  const directory = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(Object.keys(files).length, 8);
  end.writeUInt16LE(Object.keys(files).length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([ ...locals, directory, end ]);
}
