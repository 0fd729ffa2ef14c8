import * as z from 'zod';
import { ROUTES_WITH_SCHEMAS } from '../../infra/route-schemas.js';
import type { RouteDef } from '../../infra/routes.js';

const problemSchema = {
  type: 'object',
  required: ['type', 'title', 'status', 'detail'],
  properties: {
    type: { type: 'string' },
    title: { type: 'string' },
    status: { type: 'integer' },
    detail: { type: 'string' },
    errors: {
      type: 'array',
      items: {
        type: 'object',
        required: ['path', 'message'],
        properties: { path: { type: 'string' }, message: { type: 'string' } },
      },
    },
  },
};

const problem = (description: string) => ({
  description,
  content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
});

/** A response schema as a component: zod's JSON Schema (2020-12, OpenAPI 3.1's dialect) without its `$schema`. */
function componentSchema(schema: z.ZodType): Record<string, unknown> {
  const { $schema: _s, ...json } = z.toJSONSchema(schema, { io: 'output', unrepresentable: 'any' });
  return json;
}

/**
 * A stable, unique method name for generated clients: the method and the path's segments,
 * parameters as `By<Name>`: `GET /invoices/{id}/payments` → `getInvoicesByIdPayments`.
 */
export function operationId(route: Pick<RouteDef, 'method' | 'path'>): string {
  const words = route.path
    .split('/')
    .filter(Boolean)
    .map((seg) => {
      const param = /^\{(\w+)\}$/.exec(seg);
      const word = param ? `by-${param[1]!}` : seg;
      return word
        .split(/[^A-Za-z0-9]+/)
        .filter(Boolean)
        .map((w) => w[0]!.toUpperCase() + w.slice(1))
        .join('');
    });
  return route.method.toLowerCase() + words.join('');
}

/**
 * The OpenAPI 3.1 document, generated from the route table and the very zod schemas the handlers
 * validate with (zod's own JSON Schema output, which is the dialect OpenAPI 3.1 uses).
 */
export function openApiDocument(serverUrl: string) {
  const paths: Record<string, Record<string, unknown>> = {};
  const schemas: Record<string, unknown> = { Problem: problemSchema };
  for (const route of ROUTES_WITH_SCHEMAS) {
    const params = [...route.path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: 'path',
      required: true,
      schema: { type: 'string' },
    }));
    const headers =
      route.method === 'POST' && route.permission
        ? [{ name: 'Idempotency-Key', in: 'header', required: false, schema: { type: 'string', maxLength: 255 } }]
        : [];
    const ifMatch =
      ['PATCH', 'DELETE', 'PUT'].includes(route.method) || route.path.match(/\/(finalize|mark-paid|void|pause|resume)$/)
        ? [{ name: 'If-Match', in: 'header', required: false, schema: { type: 'string' } }]
        : [];
    // Collections page: top-level lists, a record's invoices (`/contacts/{id}/invoices`), an invoice's history.
    const paging =
      route.method === 'GET' &&
      ((!route.path.includes('{') && route.path !== '/audit/verify') ||
        route.path.endsWith('}/invoices') ||
        route.path.endsWith('}/history')) &&
      route.permission
        ? [
            {
              name: 'limit',
              in: 'query',
              required: false,
              schema: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
            },
            { name: 'after', in: 'query', required: false, schema: { type: 'string' } },
          ]
        : [];
    if (route.response) schemas[route.response.name] ??= componentSchema(route.response.schema);
    const syntax = route.path.endsWith('/e-invoice')
      ? [
          {
            name: 'syntax',
            in: 'query',
            required: false,
            schema: { type: 'string', enum: ['ubl', 'cii'], default: 'ubl' },
          },
        ]
      : [];
    const responses: Record<string, unknown> = {
      [route.status]:
        route.status === 204
          ? { description: 'Done' }
          : route.produces
            ? { description: 'OK', content: { [route.produces]: { schema: { type: 'string' } } } }
            : {
                description: 'OK',
                content: {
                  'application/json': {
                    schema: route.response
                      ? { $ref: `#/components/schemas/${route.response.name}` }
                      : { type: 'object' },
                  },
                },
              },
      '400': problem('Malformed request'),
      '422': problem('Valid JSON that breaks a rule; `errors` names each field'),
    };
    if (route.permission)
      Object.assign(responses, {
        '401': problem('No or bad token'),
        '403': problem(`Needs ${route.permission}${route.orPermission ? ` or ${route.orPermission}` : ''}`),
      });
    if (route.path.includes('{id}'))
      Object.assign(responses, {
        '404': problem('Not found in this account'),
        '409': problem('Not allowed in the current status'),
        '412': problem('If-Match is stale'),
      });
    (paths[route.path] ??= {})[route.method.toLowerCase()] = {
      operationId: operationId(route),
      summary: route.summary,
      ...(route.permission ? { security: [{ bearer: [] }], 'x-permission': route.permission } : { security: [] }),
      parameters: [...params, ...headers, ...ifMatch, ...paging, ...syntax],
      ...(route.input === 'binary' && route.accepts
        ? {
            requestBody: {
              required: true,
              content: Object.fromEntries(
                route.accepts.map((type) => [type, { schema: { type: 'string', contentMediaType: type } }]),
              ),
            },
          }
        : {}),
      ...(route.body
        ? {
            requestBody: {
              required: route.method !== 'POST' || route.status === 201,
              content: {
                'application/json': { schema: z.toJSONSchema(route.body, { io: 'input', unrepresentable: 'any' }) },
              },
            },
          }
        : {}),
      responses,
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Invoice service',
      version: '0.1.0',
      description: 'Invoices, from draft to paid, as an HTTPS API. Errors are RFC 9457 problem details.',
      // Not open source: the SPDX form of a custom licence (redocly's info-license-strict wants an identifier or URL).
      license: { name: 'Proprietary', identifier: 'LicenseRef-Proprietary' },
    },
    servers: [{ url: serverUrl }],
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer', bearerFormat: 'JWT' } },
      schemas,
    },
    paths,
  };
}
