import { app } from '../wiring.js';
import { httpHandler } from './http-handler.js';
import { openApiDocument } from './openapi.js';

const { config } = app();
let document: ReturnType<typeof openApiDocument> | undefined;

export const handler = httpHandler({
  'GET /openapi.json': async () => ({ status: 200, body: (document ??= openApiDocument(config.PUBLIC_BASE_URL)) }),
});
