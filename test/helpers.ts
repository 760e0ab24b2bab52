import assert from 'node:assert';
import fs from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import mm from 'egg-mock';
import type { Finding } from '../lib/report/finding';
import { tempDir } from './temp-dir';

export const FIXTURES = path.join(__dirname, 'fixtures/apps');
// The mw-* fixtures' guard token, set in the environment as a deploy would (test/fixtures/mw-common reads it); the
// egg 4 suite sets the same in egg3-fixtures.js. Inherited by the clusters and CLI runs the tests start.
process.env.SENTINEL_FIXTURE_AUTH_TOKEN ??= 'fixture-token';

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Boots a real app with mm.app() and asserts that boot is refused; returns the error message. */
export async function expectRefused(baseDir: string, pattern: RegExp, options: { plugins?: object; framework?: string } = {}): Promise<string> {
  const app = mm.app({ baseDir, cache: false, ...options });
  let message = '';
  try {
    await assert.rejects(app.ready(), (error: Error) => {
      message = error.message;
      assert.match(message, pattern);
      return true;
    });
  } finally {
    await app.close();
  }
  return message;
}

/** Boots a real app with mm.app() and returns it ready; the caller closes it. */
export async function bootApp(baseDir: string): Promise<ReturnType<typeof mm.app>> {
  const app = mm.app({ baseDir, cache: false });
  await app.ready();
  return app;
}

/** `-r` of scripts/test-lane-ports.js in a lane: a child process that boots an app with mm.app() needs it as the lane does. */
export const MM_APP_CHILD_REQUIRE = process.env.SENTINEL_TEST_LANE === undefined ? [] : [ '-r', path.join(__dirname, '../scripts/test-lane-ports.js') ];

/** scripts/test-unit.js runs the tests that start egg clusters alone, after its parallel lanes: it finds them by title. */
function refuseInParallelLane(what: string): void {
  if (process.env.SENTINEL_TEST_LANE === undefined) return;
  throw new Error(`${what} in a parallel test lane of scripts/test-unit.js, where a cluster's ports may be taken by the other lane: ` +
    'say "egg-cluster" in the title of the test (or of its describe), and it runs alone, after the lanes');
}

/**
 * mm.cluster() for a test that mocks nothing in the cluster's workers. egg-mock's afterEach restores the mocks of every
 * live cluster by spawning a node process that posts to a worker, after each test (about a second each): these
 * clusters have none to restore.
 */
export function mockCluster(options: Record<string, unknown>): any {
  refuseInParallelLane('mockCluster()');
  const app: any = mm.cluster({ cache: false, ...options } as any);
  app.mockRestore = () => undefined;
  return app;
}

/** A throw-away egg app in the OS temp dir (removed at exit), for table-driven variants of config. */
export function tempApp(name: string, files: Record<string, string>): string {
  const dir = tempDir(name);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name }));
  for (const [ file, content ] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(dir, file)), { recursive: true });
    fs.writeFileSync(path.join(dir, file), content);
  }
  return dir;
}

/** The findings of one rule in a booted app's boot report. */
export function reportFindings(app: ReturnType<typeof mm.app>, ruleId: string): Finding[] {
  return ((app as any).sentinel.report as { findings: Finding[] }).findings.filter(finding => finding.ruleId === ruleId);
}

export function readReport(baseDir: string, file = 'run/sentinel-report.json'): { text: string; mode: number; json: Record<string, any> } {
  const full = path.join(baseDir, file);
  const text = fs.readFileSync(full, 'utf8');
  return { text, mode: fs.statSync(full).mode & 0o777, json: JSON.parse(text) };
}

/** A TCP port free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  refuseInParallelLane('freePort()');
  return new Promise((resolve, reject) => {
    const server = net.createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    }).on('error', reject);
  });
}

/**
 * Sends `GET <target>` to a booted app exactly as written (an absolute-form target, a fragment, a Host header with a
 * path in it), which supertest would normalise; resolves with the status and body.
 */
export async function rawGet(booted: { callback(): http.RequestListener }, target: string, host = 'localhost'): Promise<{ status: number; body: string }> {
  const server = http.createServer(booted.callback());
  await new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve));
  try {
    const { port } = server.address() as net.AddressInfo;
    const response = await new Promise<string>((resolve, reject) => {
      let received = '';
      const socket = net.connect(port, '127.0.0.1', () => socket.write(`GET ${target} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`));
      socket.setEncoding('utf8').on('data', (chunk: string) => { received += chunk; }).on('end', () => resolve(received)).on('error', reject);
    });
    const [ head, ...body ] = response.split('\r\n\r\n');
    return { status: Number(head.split(' ')[1]), body: body.join('\r\n\r\n') };
  } finally {
    server.close();
  }
}

/** Polls until `check` passes: what a process writes a moment later (the dumps' last rewrite, a log line's flush). */
export async function eventually(check: () => void, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      check();
      return;
    } catch (error) {
      if (Date.now() > deadline) throw error;
      await new Promise(resolve => setTimeout(resolve, 50));
    }
  }
}
