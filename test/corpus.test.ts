/**
 * The insecure-app corpus (test/corpus, issue #11): small egg apps, each reproducing one real-world misconfiguration
 * or attack from the threat model, and secure apps built the way egg's docs and boilerplates build them. Every app is
 * booted for real with mm.app() in the env its case names: an insecure app must be refused with exactly its expected
 * rule ids, a secure app must boot with no blocking finding and exactly the non-blocking findings listed for it.
 * The last test prints the detection and false-positive rates. Cases and sources: test/corpus/corpus.json.
 */
import assert from 'node:assert';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import mm from 'egg-mock';
import { tempDir } from './temp-dir';

const CORPUS = path.join(__dirname, 'corpus');
/** A supported Node.js: SEN607 judges the Node running the tests, which is not what an app in the corpus is about. */
const SUPPORTED_NODE = 'v24.17.0';
const RULE_ID = /^SEN\d{3}$/;

interface CorpusCase {
  name: string;
  kind: 'insecure' | 'secure';
  /** Threat area of the mistake: plugins, exposure, injection, middleware, ipc or builtins. */
  area: string;
  /** Server env the app is booted in (mm.env). */
  env: string;
  /** Insecure: the rule that must refuse boot; secure with knownFalsePositive: the rule that wrongly does. */
  rule?: string;
  /** Insecure: other rules the same mistake also trips, which must refuse boot too. */
  alsoBlocks?: string[];
  /** Insecure: why egg-sentinel does not catch this yet; the case then asserts the miss and counts as undetected. */
  knownMiss?: string;
  /** Secure: why egg-sentinel wrongly refuses this app; the case then asserts the refusal and counts as a false positive. */
  knownFalsePositive?: string;
  /** Secure: the findings below the threshold the app is expected to log (warnings, not refusals). */
  nonBlocking?: string[];
  /** Environment variables of the process; `{tmp}` stands for a temp dir of this run. */
  processEnv?: Record<string, string>;
  /** Environment variables the app reads its secrets from: each gets 32 random bytes (base64url) for the boot. */
  secrets?: string[];
  /** File modes a deployment left behind (octal strings), applied for the boot and restored after. */
  chmod?: Record<string, string>;
  mistake: string;
  source: string;
}

interface Outcome {
  refused: boolean;
  blocking: string[];
  /** Only known for an app that booted: a refused boot reports its blocking findings. */
  nonBlocking: string[];
}

const manifest: { cases: CorpusCase[] } = JSON.parse(fs.readFileSync(path.join(CORPUS, 'corpus.json'), 'utf8'));
const tmp = tempDir('corpus');

function appDir(entry: CorpusCase): string {
  return path.join(CORPUS, entry.kind, entry.name);
}

function sortedIds(findings: Array<{ ruleId: string }>): string[] {
  return [ ...new Set(findings.map(finding => finding.ruleId)) ].sort();
}

/** Properties a polluting app added to Object.prototype / Array.prototype, removed so the next app boots clean. */
function restorePrototypes(before: Map<object, Set<string>>): void {
  for (const [ proto, keys ] of before) {
    for (const key of Object.keys(proto)) if (!keys.has(key)) delete (proto as Record<string, unknown>)[key];
  }
}

/** Boots the app of one case with mm.app() and returns the verdict from its report. */
async function boot(entry: CorpusCase): Promise<Outcome> {
  const baseDir = appDir(entry);
  fs.rmSync(path.join(baseDir, 'run'), { recursive: true, force: true });
  mm.env(entry.env);
  // Logs in the app's own logs/ (not the user's home, where egg puts them outside local/unittest), and not on the console.
  mm.home(baseDir);
  mm.consoleLevel('NONE');
  mm(process, 'version', SUPPORTED_NODE);
  for (const [ name, value ] of Object.entries(entry.processEnv ?? {})) mm(process.env, name, value.replaceAll('{tmp}', tmp));
  for (const name of entry.secrets ?? []) mm(process.env, name, crypto.randomBytes(32).toString('base64url'));
  const modes = Object.entries(entry.chmod ?? {}).map(([ file, mode ]) => {
    const full = path.join(baseDir, file);
    const original = fs.statSync(full).mode & 0o777;
    fs.chmodSync(full, parseInt(mode, 8));
    return { full, original };
  });
  const prototypes = new Map<object, Set<string>>([ Object.prototype, Array.prototype ].map(proto => [ proto, new Set(Object.keys(proto)) ]));
  const app = mm.app({ baseDir, cache: false });
  try {
    await app.ready();
    const { findings } = (app as any).sentinel.report as { findings: Array<{ ruleId: string; blocking: boolean }> };
    return { refused: false, blocking: sortedIds(findings.filter(finding => finding.blocking)), nonBlocking: sortedIds(findings.filter(finding => !finding.blocking)) };
  } catch (error) {
    // The boot error carries the blocking findings; anything else (an app egg cannot load) fails the case as it is.
    if (!(error instanceof Error) || error.name !== 'SentinelBootError') throw error;
    return { refused: true, blocking: sortedIds((error as Error & { findings: Array<{ ruleId: string }> }).findings), nonBlocking: [] };
  } finally {
    await app.close();
    restorePrototypes(prototypes);
    for (const { full, original } of modes) fs.chmodSync(full, original);
  }
}

describe('insecure-app corpus (test/corpus, mm.app)', function() {
  this.timeout(60000);
  const outcomes = new Map<string, Outcome>();
  afterEach(mm.restore);
  after(() => fs.rmSync(tmp, { recursive: true, force: true }));

  it('the manifest lists at least 30 insecure and 10 secure apps, each in its own directory with a source', () => {
    const names = manifest.cases.map(entry => entry.name);
    assert.equal(new Set(names).size, names.length, 'case names are unique');
    for (const entry of manifest.cases) {
      assert.ok(fs.existsSync(path.join(appDir(entry), 'package.json')), `${entry.name}: no app at ${appDir(entry)}`);
      assert.ok(entry.source.trim() && entry.mistake.trim(), `${entry.name}: source and mistake are required`);
      if (entry.kind === 'insecure' || entry.knownFalsePositive) assert.match(String(entry.rule), RULE_ID, `${entry.name}: the case names its rule`);
    }
    for (const kind of [ 'insecure', 'secure' ]) {
      const dirs = fs.readdirSync(path.join(CORPUS, kind));
      assert.deepEqual(dirs.sort(), manifest.cases.filter(entry => entry.kind === kind).map(entry => entry.name).sort(), `every app in ${kind}/ has a case`);
    }
    assert.ok(manifest.cases.filter(entry => entry.kind === 'insecure').length >= 30, 'at least 30 insecure apps');
    assert.ok(manifest.cases.filter(entry => entry.kind === 'secure').length >= 10, 'at least 10 secure apps');
  });

  for (const entry of manifest.cases) {
    if (entry.kind === 'insecure') {
      const expected = [ String(entry.rule), ...entry.alsoBlocks ?? [] ].sort();
      const title = entry.knownMiss ? `${entry.name}: known miss of ${entry.rule} (${entry.knownMiss})` : `${entry.name}: refused with ${expected.join(', ')}`;
      it(title, async () => {
        const outcome = await boot(entry);
        outcomes.set(entry.name, outcome);
        if (entry.knownMiss) {
          assert.ok(!outcome.blocking.includes(String(entry.rule)), `${entry.name}: ${entry.rule} now catches it; remove knownMiss from corpus.json`);
        } else {
          assert.ok(outcome.refused, `${entry.name}: booted, but ${entry.mistake}`);
          assert.deepEqual(outcome.blocking, expected, `${entry.name}: refused with other rules than expected`);
        }
      });
    } else if (entry.knownFalsePositive) {
      it(`${entry.name}: known false positive of ${entry.rule} (${entry.knownFalsePositive})`, async () => {
        const outcome = await boot(entry);
        outcomes.set(entry.name, outcome);
        assert.ok(outcome.blocking.includes(String(entry.rule)), `${entry.name}: ${entry.rule} no longer refuses it; remove knownFalsePositive from corpus.json`);
      });
    } else {
      it(`${entry.name}: boots clean in ${entry.env}`, async () => {
        const outcome = await boot(entry);
        outcomes.set(entry.name, outcome);
        assert.deepEqual(outcome.blocking, [], `${entry.name}: a secure app was refused (false positive)`);
        assert.deepEqual(outcome.nonBlocking, [ ...entry.nonBlocking ?? [] ].sort(), `${entry.name}: its warnings changed`);
      });
    }
  }

  it('detection and false-positive rates', function() {
    if (outcomes.size !== manifest.cases.length) this.skip();
    const insecure = manifest.cases.filter(entry => entry.kind === 'insecure');
    const secure = manifest.cases.filter(entry => entry.kind === 'secure');
    const detected = insecure.filter(entry => outcomes.get(entry.name)?.blocking.includes(String(entry.rule)));
    const falsePositives = secure.filter(entry => outcomes.get(entry.name)?.refused);
    const percent = (part: number, whole: number) => `${(100 * part / whole).toFixed(1)}%`;
    const rules = new Set(detected.map(entry => entry.rule));
    process.stdout.write(`      corpus: detection ${detected.length}/${insecure.length} (${percent(detected.length, insecure.length)}) ` +
      `over ${rules.size} rules; false positives ${falsePositives.length}/${secure.length} (${percent(falsePositives.length, secure.length)})\n`);
    const missed = insecure.filter(entry => !detected.includes(entry));
    for (const entry of missed) process.stdout.write(`      missed: ${entry.name} (${entry.rule}): ${entry.knownMiss}\n`);
    for (const entry of falsePositives) process.stdout.write(`      false positive: ${entry.name} (${entry.rule}): ${entry.knownFalsePositive}\n`);
    assert.deepEqual(missed.map(entry => entry.name), insecure.filter(entry => entry.knownMiss).map(entry => entry.name));
    assert.deepEqual(falsePositives.map(entry => entry.name), secure.filter(entry => entry.knownFalsePositive).map(entry => entry.name));
  });
});
