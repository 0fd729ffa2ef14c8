import { publicEnv } from '../config/env.js';
import { httpHandler } from './http-handler.js';
import { openApiDocument } from './openapi.js';

// No data access here: the document is built from the route table and schemas alone.
const config = publicEnv();
let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = httpHandler({
  'GET /openapi.json': async () => ({ status: 200, body: (document ??= openApiDocument(config.PUBLIC_BASE_URL)) }),
});
