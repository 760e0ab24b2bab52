/** Whether an installed version is affected by an OSV record, evaluated with `semver` as OSV defines ranges. */
import compare from 'semver/functions/compare';
import valid from 'semver/functions/valid';
import { eventVersion, type OsvEvent, type OsvRecord } from './database';

export interface AffectedVersion {
  /** The first fixed version above the installed one in the range that matched; absent when no fix exists. */
  fixedIn?: string;
}

/**
 * OSV range semantics: events sorted by version; `introduced` makes later versions affected, `fixed` makes them
 * unaffected again, `last_affected` makes versions after it unaffected. Returns undefined when `version` is not
 * affected (or not semver, so it cannot be placed in a range).
 */
export function affectedVersion(record: OsvRecord, name: string, version: string): AffectedVersion | undefined {
  if (record.withdrawn || !valid(version)) return undefined;
  for (const affected of record.affected) {
    if (affected.package.name !== name) continue;
    if (affected.versions?.includes(version)) return {};
    for (const range of affected.ranges) {
      const hit = evaluateRange(range.events, version);
      if (hit) return hit;
    }
  }
  return undefined;
}

type Point = { kind: 'introduced' | 'fixed' | 'last_affected'; at: string; raw: string };

function evaluateRange(events: readonly OsvEvent[], version: string): AffectedVersion | undefined {
  const points: Point[] = events.flatMap(event => (Object.entries(event) as Array<[ keyof OsvEvent, string ]>)
    .filter((entry): entry is [ Point['kind'], string ] => entry[0] !== 'limit')
    .map(([ kind, raw ]) => ({ kind, raw, at: eventVersion(raw) })));
  points.sort((a, b) => compare(a.at, b.at));
  let affected = false;
  for (const point of points) {
    const order = compare(version, point.at);
    const applies = point.kind === 'last_affected' ? order > 0 : order >= 0;
    if (!applies) {
      // Points are sorted: none after this one applies either.
      if (affected) return point.kind === 'fixed' ? { fixedIn: point.raw } : {};
      return undefined;
    }
    affected = point.kind === 'introduced';
  }
  return affected ? {} : undefined;
}
