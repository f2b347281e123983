import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { type RunningApp, startApp, temporaryDataDir } from './app-harness.js';

/**
 * docs/api.md is the contract integrations read; the OpenAPI document is what the server
 * serves. Every route one names, the other names too.
 */
const API_MD = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'docs', 'api.md');

/** `GET /v1/neighbourhoods/:id/timeline?from=` -> `GET /v1/neighbourhoods/{id}/timeline`. */
function routesInContract(text: string): Set<string> {
  const routes = new Set<string>();
  for (const [, method, path] of text.matchAll(/`(GET|POST|PUT|PATCH|DELETE) (\/[^`?\s]*)[^`]*`/g)) {
    routes.add(`${method} ${path!.replace(/:([A-Za-z]+)/g, '{$1}')}`);
  }
  return routes;
}

describe('docs/api.md and the OpenAPI document', () => {
  const data = temporaryDataDir();
  let app: RunningApp;

  beforeAll(async () => {
    app = await startApp(data.dir);
  });
  afterAll(async () => {
    await app?.stop();
    data.remove();
  });

  it('name the same routes', async () => {
    const answer = await app.request('GET', '/docs-json');
    expect(answer.status).toBe(200);
    const document = answer.body as unknown as { paths: Record<string, Record<string, unknown>> };
    const served = new Set<string>();
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) served.add(`${method.toUpperCase()} ${path}`);
    }
    const contract = routesInContract(readFileSync(API_MD, 'utf8'));
    expect({ undocumented: [...served].filter((route) => !contract.has(route)).sort(), notServed: [...contract].filter((route) => !served.has(route)).sort() }).toEqual({
      undocumented: [],
      notServed: [],
    });
    // The comparison saw the routes, not two empty sets.
    expect(served.size).toBeGreaterThan(25);
  });
});
