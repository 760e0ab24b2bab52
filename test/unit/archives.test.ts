import assert from 'node:assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import { type ArchiveLimits, type EntryRank, listArchive, packing } from '../../lib/facts/archives';
import { tarOf, tgzOf, zipOf } from '../archive-files';
import { tempDir } from '../temp-dir';

describe('SEN203 archives: what a static dir\'s archive holds (lib/facts/archives.ts)', () => {
  let dir: string;
  before(() => {
    dir = tempDir('archives');
  });
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const LIMITS: ArchiveLimits = { entryBytes: 1024, archiveBytes: 16 * 1024 };
  const ENV = 'DB_PASSWORD=Archive-Pw-5521\n';
  /** What looking through the last archive listed cost. */
  let work = 0;
  /** Reads the entries whose names end in .env or .yml. */
  const SETTINGS: EntryRank = entry => (/\.(?:env|yml)$/.test(entry) ? 0 : undefined);
  /** Lists an archive written under `name`, reading the entries `rank` asks for (SETTINGS'). */
  const list = (name: string, content: Buffer, limits = LIMITS, rank = SETTINGS) => {
    const file = path.join(dir, name);
    fs.writeFileSync(file, content);
    const how = packing(name);
    assert.ok(how && how.kind !== 'unreadable', name);
    const listing = listArchive(file, how, rank, limits);
    if (!listing) return undefined;
    const { work: cost, ...rest } = listing;
    work = cost;
    return rest;
  };

  it('tells archives by name; a precompressed asset is one compressed file, 7-Zip and RAR are not unpacked', () => {
    assert.deepEqual(packing('deploy.tar'), { kind: 'tar' });
    assert.deepEqual(packing('deploy.tar.gz'), { kind: 'compressed', inner: 'deploy.tar', tar: true, format: 'gzip' });
    assert.deepEqual(packing('deploy.TGZ'), { kind: 'compressed', inner: 'deploy.tar', tar: true, format: 'gzip' });
    assert.deepEqual(packing('backup.tar.xz'), { kind: 'compressed', inner: 'backup.tar', tar: true, format: 'xz' });
    assert.deepEqual(packing('backup.tbz2'), { kind: 'compressed', inner: 'backup.tar', tar: true, format: 'bzip2' });
    assert.deepEqual(packing('app.js.gz'), { kind: 'compressed', inner: 'app.js', tar: false, format: 'gzip' });
    for (const name of [ 'app-1.2.zip', 'lib.jar', 'site.war' ]) assert.deepEqual(packing(name), { kind: 'zip' });
    assert.deepEqual(packing('site.7z'), { kind: 'unreadable', format: '7-Zip' });
    assert.deepEqual(packing('site.rar'), { kind: 'unreadable', format: 'RAR' });
    for (const name of [ 'app.js', 'logo.png', 'guide.pdf', 'targz.txt', 'zip' ]) assert.equal(packing(name), undefined, name);
  });

  it('a tar: every name, the text of the entries asked for; long names as GNU tar and pax write them', () => {
    const tar = tarOf({ 'README.md': '# app\n', 'app/.env': ENV });
    assert.deepEqual(list('a.tar', tar), { entries: [{ name: 'README.md' }, { name: 'app/.env', text: ENV }], complete: true });
    assert.equal(work, 3 * 512 + ENV.length, 'two headers, the end block and the entry asked for');
    const long = `${'d'.repeat(120)}/database.yml`;
    for (const longNames of [ 'gnu', 'pax' ] as const) {
      assert.deepEqual(list(`long-${longNames}.tar`, tarOf({ [long]: 'password: x\n' }, { longNames })), { entries: [{ name: long, text: 'password: x\n' }], complete: true }, longNames);
    }
  });

  it('a tar larger than the budget: entries not asked for are skipped, not read, so a name after them is still found', () => {
    const listing = list('big.tar', tarOf({ 'media.bin': crypto.randomBytes(200_000), '.env': ENV }));
    assert.deepEqual(listing, { entries: [{ name: 'media.bin' }, { name: '.env', text: ENV }], complete: true });
  });

  it('a tar whose headers go past the budget is incomplete, with what it saw', () => {
    const files = Object.fromEntries(Array.from({ length: 64 }, (_, index) => [ `f${index}.txt`, 'x' ]));
    const listing = list('many.tar', tarOf(files), { entryBytes: 1024, archiveBytes: 8 * 1024 });
    assert.equal(listing?.complete, false);
    assert.ok(listing && listing.entries.length > 0 && listing.entries.length < 64);
  });

  it('a gzipped tar is unpacked up to the budget: a small file that unpacks to megabytes is cut there (incomplete)', () => {
    assert.deepEqual(list('a.tgz', tgzOf({ '.env': ENV })), { entries: [{ name: '.env', text: ENV }], complete: true });
    // 8 MiB of zeros gzip to about 8 KiB: unpacked, only the budget's worth.
    const bomb = tgzOf({ 'zeros.bin': Buffer.alloc(8 * 1024 * 1024), '.env': ENV });
    assert.ok(bomb.length < LIMITS.archiveBytes);
    assert.deepEqual(list('bomb.tgz', bomb), { entries: [{ name: 'zeros.bin' }], complete: false });
    // Each try of the search for the longest prefix that fits is counted, at the limit for one that does not.
    assert.ok(work > 8 * LIMITS.archiveBytes && work < 20 * (LIMITS.archiveBytes + 4096) + bomb.length, `${work}`);
    const noisy = tgzOf({ 'noise.bin': crypto.randomBytes(40_000), '.env': ENV });
    assert.deepEqual(list('noisy.tgz', noisy), { entries: [{ name: 'noise.bin' }], complete: false });
  });

  it('one gzipped file is that file (its first bytes); a gzipped tar is found by its header whatever its name', () => {
    assert.deepEqual(list('prod.env.gz', zlib.gzipSync(ENV)), { entries: [{ name: 'prod.env', text: ENV }], single: true, complete: true });
    assert.deepEqual(list('backup.gz', tgzOf({ '.env': ENV })), { entries: [{ name: '.env', text: ENV }], complete: true });
  });

  it('a ZIP file: names from its central directory, the entries asked for inflated or stored; encrypted ones unread', () => {
    const files = { 'app/': '', 'app/index.html': '<html></html>', 'app/.env': ENV };
    assert.deepEqual(list('deflated.zip', zipOf(files)), { entries: [{ name: 'app/index.html' }, { name: 'app/.env', text: ENV }], complete: true });
    assert.deepEqual(list('stored.zip', zipOf(files, { store: true })), { entries: [{ name: 'app/index.html' }, { name: 'app/.env', text: ENV }], complete: true });
    assert.deepEqual(list('encrypted.zip', zipOf(files, { encrypted: true })), { entries: [{ name: 'app/index.html' }, { name: 'app/.env', unread: true }], complete: true });
    // An entry larger than what is read of one: its first bytes.
    for (const filler of [ crypto.randomBytes(50_000).toString('hex'), '#'.repeat(1_000_000) ]) {
      const text = list('large-entry.zip', zipOf({ 'big.yml': `password: x\n${filler}` }))?.entries[0].text ?? '';
      assert.ok(text.startsWith('password: x\n') && text.length <= LIMITS.entryBytes && text.length > LIMITS.entryBytes / 2, `${text.length}`);
    }
  });

  it('entries are read in rank order, not the archive\'s: the budget goes to settings before pages, and what it leaves is unread (review of round 27, L15)', () => {
    const pages = Object.fromEntries(Array.from({ length: 8 }, (_, index) => [ `docs/page-${index}.html`, crypto.randomBytes(1024).toString('hex') ]));
    const rank: EntryRank = entry => (entry.endsWith('.html') ? 1 : SETTINGS(entry));
    const limits = { entryBytes: 4096, archiveBytes: 8 * 1024 };
    for (const [ name, archive ] of [ [ 'docs.zip', zipOf({ ...pages, 'app/.env': ENV }, { store: true }) ], [ 'docs.tar', tarOf({ ...pages, 'app/.env': ENV }) ] ] as const) {
      const listing = list(name, archive, limits, rank);
      assert.equal(listing?.complete, true, name);
      assert.deepEqual(listing?.entries.find(entry => entry.name === 'app/.env'), { name: 'app/.env', text: ENV }, name);
      // Eight pages of 2 KiB and the headers: the budget reads some of them, not all.
      const unread = listing?.entries.filter(entry => entry.unread).map(entry => entry.name) ?? [];
      assert.ok(unread.length > 0 && unread.length < 8 && unread.every(entry => entry.endsWith('.html')), `${name}: ${unread.join(', ')}`);
    }
  });

  it('what is not what its name says is undefined: not a tar, not a zip, not gzip', () => {
    assert.equal(list('fake.tar', Buffer.from('just text\n'.repeat(100))), undefined);
    assert.equal(list('fake.zip', Buffer.from('<html>not found</html>')), undefined);
    assert.equal(list('fake.tgz', Buffer.from('not gzip')), undefined);
  });
});
