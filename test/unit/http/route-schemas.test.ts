import { describe, expect, test } from 'vitest';
import { z } from 'zod';
import { ROUTE_BODIES, ROUTE_RESPONSES, ROUTES_WITH_SCHEMAS as ROUTES } from '../../../infra/route-schemas.js';
import { routeKey } from '../../../infra/routes.js';
import { openApiDocument, operationId } from '../../../functions/http/openapi.js';
import { RESPONSES } from '../../../functions/http/response-schemas.js';

/** Routes whose success is not JSON: 204s, HTML pages, redirects (303: the buyer's checkout), the document itself. */
const NOT_JSON = (key: string, status: number) =>
  status === 204 ||
  status === 303 ||
  ['GET /openapi.json', 'GET /invoices/{id}/preview', 'GET /i/{slug}', 'GET /i/{slug}/pdf'].includes(key);

describe('response schemas per route', () => {
  const missing = ROUTES.filter((r) => !r.response && !r.produces && !NOT_JSON(routeKey(r), r.status)).map(routeKey);

  // A new route must come with its `response` (infra/route-schemas.ts).
  test('every JSON route has a response schema', () => {
    expect(missing).toEqual([]);
  });

  test('every body and response in infra/route-schemas.ts is keyed by a route of the table (a typo would drop it silently)', () => {
    const keys = new Set(ROUTES.map(routeKey));
    expect(Object.keys(ROUTE_BODIES).filter((k) => !keys.has(k))).toEqual([]);
    expect(Object.keys(ROUTE_RESPONSES).filter((k) => !keys.has(k))).toEqual([]);
  });

  test('one name, one schema: a component name is never given two different schemas', () => {
    const byName = new Map<string, z.ZodType>();
    for (const r of ROUTES) {
      if (!r.response) continue;
      const seen = byName.get(r.response.name);
      if (seen) expect(seen, r.response.name).toBe(r.response.schema);
      byName.set(r.response.name, r.response.schema);
    }
  });

  test('the document references each success schema under components/schemas, with an operationId per operation', () => {
    const doc = openApiDocument('http://localhost');
    const ids = new Set<string>();
    for (const r of ROUTES) {
      const op = (doc.paths[r.path] as Record<string, { operationId: string; responses: Record<string, any> }>)[
        r.method.toLowerCase()
      ]!;
      expect(op.operationId).toBe(operationId(r));
      expect(ids.has(op.operationId), op.operationId).toBe(false);
      ids.add(op.operationId);
      if (!r.response) continue;
      const schema = op.responses[r.status].content['application/json'].schema;
      expect(schema).toEqual({ $ref: `#/components/schemas/${r.response.name}` });
      expect(doc.components.schemas).toHaveProperty(r.response.name);
    }
    expect((doc.components.schemas as Record<string, any>).Invoice.additionalProperties).toBe(false);
    expect(doc.info).toHaveProperty('license');
  });

  test('response schemas are strict: a field a presenter adds without the schema is refused, by name', () => {
    const result = RESPONSES.contact.schema.safeParse({
      id: 'con_1',
      version: 1,
      createdAt: '2026-01-01T00:00:00Z',
      updatedAt: '2026-01-01T00:00:00Z',
      firstName: null,
      lastName: null,
      email: null,
      address: null,
      metadata: {},
      nickname: 'new field',
    });
    expect(result.success).toBe(false);
    expect(JSON.stringify(result.error!.issues)).toContain('nickname');
  });
});
