const READS_NO_BODY = new Set(['GET', 'HEAD', 'OPTIONS']);

/** Every concrete route of an app that may read a body, with its path parameters filled in. */
export function bodyRoutes(app: { routes: { method: string; path: string }[] }) {
  const seen = new Set<string>();
  return app.routes
    .filter((route) => !READS_NO_BODY.has(route.method) && route.method !== 'ALL' && !route.path.includes('*'))
    .map((route) => ({ method: route.method, path: route.path.replace(/:\w+/g, 'x') }))
    .filter((route) => !seen.has(`${route.method} ${route.path}`) && seen.add(`${route.method} ${route.path}`));
}
