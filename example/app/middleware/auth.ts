import type { Context } from 'egg';

/** Refuses (401) a request without `Authorization: Bearer <EXAMPLE_ADMIN_TOKEN>`; no token configured refuses every request. */
export default function createAuth() {
  return async function auth(ctx: Context, next: () => Promise<void>) {
    const token = process.env.EXAMPLE_ADMIN_TOKEN;
    if (!token || ctx.get('authorization') !== `Bearer ${token}`) {
      ctx.status = 401;
      ctx.body = { error: 'authentication required' };
      return;
    }
    await next();
  };
}

// What egg-ts-helper would generate into typings/: lets app/router.ts name the middleware with types.
declare module 'egg' {
  interface IMiddleware {
    auth: typeof createAuth;
  }
}
