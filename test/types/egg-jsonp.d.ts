// egg-jsonp ships no typings; the fixtures that give app.jsonp() to a route need its signature.
import type { Context } from 'egg';

declare module 'egg' {
  interface Application {
    jsonp(options?: { csrf?: boolean; whiteList?: unknown; callback?: string | string[]; limit?: number }): (ctx: Context, next: () => Promise<unknown>) => Promise<void>;
  }
}
