/** The middleware chain and the route table in the report and the boot log: what guards what. */
import type { Facts, MiddlewareFact, RouteStep } from '../facts/types';
import { controllerLabel, routeLabel } from '../rules/middleware';

export interface ChainEntryReport {
  /** 1-based position in the composed chain; null when configured but disabled. */
  position: number | null;
  name: string;
  /** `core` (coreMiddleware), `app` (config.middleware), `router` (egg's router dispatch), `other` (`app.use`). */
  group: MiddlewareFact['group'];
  file?: string;
  enabled: boolean;
  /** `match: '/api'` or `ignore: [/^\/public/]`, when set. */
  filter?: string;
}

export interface RouteReport {
  /** `GET /users/:id`, `ALL /webhook`. */
  route: string;
  name?: string;
  /** `app/controller/user.ts#UserController.show()`, or an inline handler and where it was registered. */
  controller: string;
  /**
   * What runs before the controller, in order, joined with ` > `: global middleware by name, `router.use:<name>`,
   * `route:<name>`; `(skipped for …)` or `(unverified: …)` when a match/ignore lets it run only for some requests.
   * One string per route keeps a large route table cheap to write and redact.
   */
  chain: string;
  /** Global middleware whose match/ignore skips this route entirely. */
  skipped: string[];
  /** Its router is also served under a prefix egg-sentinel cannot know (koa-mount): the path is the registered one. */
  underUnknownPrefix?: true;
}

export function chainReport(middleware: readonly MiddlewareFact[]): ChainEntryReport[] {
  return middleware.map(entry => ({
    position: entry.position === null ? null : entry.position + 1,
    name: entry.name,
    group: entry.group,
    file: entry.file,
    enabled: entry.position !== null,
    filter: entry.filter?.summary,
  }));
}

/** `redact` is applied to every string (the report's Redactor): cheaper than a deep copy of a large table afterwards. */
export function routeTable(facts: Pick<Facts, 'routes'>, redact: (text: string) => string): RouteReport[] {
  return facts.routes.map(route => {
    const { chain, skipped } = chainParts(route.chain);
    return {
      route: redact(routeLabel(route)),
      name: route.name === undefined ? undefined : redact(route.name),
      controller: redact(`${controllerLabel(route.controller)}${route.shadowedBy ? ` (never reached: ${routeLabel(route.shadowedBy)} registered earlier answers it)` : ''}`),
      chain: redact(chain),
      skipped: skipped.map(redact),
      ...(route.underUnknownPrefix && { underUnknownPrefix: true as const }),
    };
  });
}

/** Routes with the same chain share one array (lib/facts/middleware.ts): describe each array once. */
const chainLabels = new WeakMap<readonly RouteStep[], { chain: string; skipped: string[] }>();

function chainParts(steps: readonly RouteStep[]): { chain: string; skipped: string[] } {
  let parts = chainLabels.get(steps);
  if (!parts) {
    chainLabels.set(steps, parts = {
      chain: steps.filter(step => step.runs !== 'never').map(describeStep).join(' > '),
      skipped: steps.filter(step => step.runs === 'never').map(step => step.name),
    });
  }
  return parts;
}

function describeStep(step: RouteStep): string {
  const level = step.earlierRoute ? `route ${step.earlierRoute}` : step.level === 'router' ? 'router.use' : 'route';
  const name = step.level === 'global' ? step.name : `${level}:${step.name}`;
  if (step.runs === 'partly') return `${name} (skipped for ${(step.skippedFor ?? []).map(request => `${request.method ?? ''} ${request.path}`.trim()).join(', ')})`;
  if (step.runs === 'unverified') return `${name} (unverified: ${step.detail})`;
  return name;
}

/** The effective global chain, one line per middleware, for the boot log: the report's, whose filters are redacted. */
export function formatChain(middleware: readonly ChainEntryReport[]): string {
  return middleware.map(entry => {
    const where = entry.position === null ? '  -' : `#${String(entry.position).padStart(2)}`;
    const details = [ entry.group, entry.file, entry.enabled ? undefined : 'disabled (enable: false)', entry.filter ].filter(Boolean).join(', ');
    return `${where} ${entry.name}  ${details}`;
  }).join('\n');
}
