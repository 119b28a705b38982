/** Which endpoint a request is for: a token endpoint, an Open API of sandbox/apis, or nothing the sandbox knows. */
import { API_ROUTES, type ApiEndpoint, type ApiRoute } from './apis';
import { TOKEN_PATHS, type TokenEndpoint } from './tokens';

export type Route =
  { endpoint: TokenEndpoint } | { endpoint: ApiEndpoint; api: ApiRoute; examId?: string } | { endpoint: 'unknown' };

export function routeOf(method: string, path: string): Route {
  const tokenEndpoint = method === 'POST' ? TOKEN_PATHS.get(path) : undefined;
  if (tokenEndpoint) return { endpoint: tokenEndpoint };
  for (const api of API_ROUTES) {
    if (api.method !== method) continue;
    const params = api.match(path);
    if (params) return { endpoint: api.endpoint, api, ...params };
  }
  return { endpoint: 'unknown' };
}
