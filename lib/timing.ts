import { performance } from 'node:perf_hooks';

/** Milliseconds spent per part of the boot checks (the report's `timings`). */
export type Timings = Record<string, number>;

/** Runs `work` and adds its duration to `timings[name]`; without timings it only runs `work`. */
export function timed<T>(timings: Timings | undefined, name: string, work: () => T): T {
  if (!timings) return work();
  const started = performance.now();
  try {
    return work();
  } finally {
    timings[name] = (timings[name] ?? 0) + performance.now() - started;
  }
}

/** Rounded to 0.1 ms for the report. */
export function roundTimings(timings: Timings): Timings {
  return Object.fromEntries(Object.entries(timings).map(([ name, ms ]) => [ name, Math.round(ms * 10) / 10 ]));
}
