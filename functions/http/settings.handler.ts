import { getSettings, updateSettings } from '../../domain/settings/settings-use-cases.js';
import { settingsInput } from '../../domain/settings/settings.js';
import { apiKeyInput, createApiKey, revokeApiKey } from '../../domain/auth/api-keys.js';
import { apiKeyAdapters } from '../auth/api-key-wiring.js';
import { app } from '../wiring.js';
import { httpHandler } from './http-handler.js';
import { presentApiKey, presentPage, presentSettings } from './presenters.js';
import { parseLimit, validate } from './request.js';

const { deps, config, db } = app();
const apiKeys = apiKeyAdapters(config, db);
const keyDeps = async () => ({ ...(await apiKeys.deps()), clock: deps.clock, ids: deps.ids });

export const handler = httpHandler({
  'GET /settings/invoices': async (req) => ({
    status: 200,
    body: presentSettings(await getSettings(deps, req.actor.accountId)),
  }),
  'PUT /settings/invoices': async (req) => ({
    status: 200,
    body: presentSettings(await updateSettings(deps, req.actor, validate(settingsInput, req.body), req.ifMatch)),
  }),
  'POST /api-keys': async (req) => {
    const created = await createApiKey(await keyDeps(), req.actor, validate(apiKeyInput, req.body), apiKeys.mode);
    return { status: 201, body: { ...presentApiKey(created.apiKey), key: created.key } };
  },
  'GET /api-keys': async (req) => {
    const { limit, after } = parseLimit(req.query);
    const page = await (await keyDeps()).apiKeys.list(req.actor.accountId, limit, after);
    return { status: 200, body: presentPage(page, presentApiKey) };
  },
  'DELETE /api-keys/{id}': async (req) => {
    await revokeApiKey(await keyDeps(), req.actor, req.params.id!);
    return { status: 204 };
  },
});
