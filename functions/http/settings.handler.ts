import { getSettings, updateSettings } from '../../domain/settings/settings-use-cases.js';
import { settingsInput } from '../../domain/settings/settings-input.js';
import { removeLogo, setLogo } from '../../domain/settings/seller-logo.js';
import { apiKeyInput, createApiKey, revokeApiKey } from '../../domain/auth/api-keys.js';
import { apiKeyAdapters } from '../auth/api-key-wiring.js';
import { app, snippetStore } from '../wiring.js';
import { documents as documentsOf } from '../s3/document-wiring.js';
import { httpHandler } from './http-handler.js';
import { presentApiKey, presentPage, presentSettings } from './presenters.js';
import { parseLimit, validate } from './request.js';
import { associationLabelInput, type AssociationLabel } from '../../domain/labels/association-label.js';
import { createLabel, deleteLabel, listLabels } from '../../domain/labels/label-use-cases.js';
import { snippetInput, snippetPatch, type Snippet } from '../../domain/snippets/snippet.js';
import {
  createSnippet,
  deleteSnippet,
  getSnippet,
  listSnippets,
  updateSnippet,
} from '../../domain/snippets/snippet-use-cases.js';

const { deps, config, db, labels } = app();
const logoDeps = { settings: deps.settings, documents: documentsOf().documents, clock: deps.clock };
const apiKeys = apiKeyAdapters(config, db);
const keyDeps = async () => ({ ...(await apiKeys.deps()), clock: deps.clock, ids: deps.ids });
const snippetDeps = { snippets: snippetStore(), clock: deps.clock, ids: deps.ids };
const labelDeps = { labels, clock: deps.clock, ids: deps.ids };
/** `{ id, shortcut, body }` and its bookkeeping, without the tenant. */
const presentSnippet = (s: Snippet) => {
  const { accountId: _a, kind: _k, ...rest } = s;
  return rest;
};
/** `{ id, objectType, label }` and its bookkeeping, without the tenant. */
const presentLabel = (l: AssociationLabel) => {
  const { accountId: _a, kind: _k, ...rest } = l;
  return rest;
};

export const handler = httpHandler({
  'GET /settings/invoices': async (req) => ({
    status: 200,
    body: presentSettings(await getSettings(deps, req.actor.accountId)),
  }),
  'PUT /settings/invoices': async (req) => ({
    status: 200,
    body: presentSettings(await updateSettings(deps, req.actor, validate(settingsInput, req.body), req.ifMatch)),
  }),
  'PUT /settings/invoices/logo': async (req) => ({
    status: 200,
    body: presentSettings(
      await setLogo(logoDeps, req.actor, req.bytes ?? new Uint8Array(0), req.headers['content-type'], req.ifMatch),
    ),
  }),
  'DELETE /settings/invoices/logo': async (req) => {
    await removeLogo(logoDeps, req.actor, req.ifMatch);
    return { status: 204 };
  },
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
  'GET /association-labels': async (req) => {
    const { limit, after } = parseLimit(req.query);
    return { status: 200, body: presentPage(await listLabels(labelDeps, req.actor, limit, after), presentLabel) };
  },
  'POST /association-labels': async (req) => ({
    status: 201,
    body: presentLabel(await createLabel(labelDeps, req.actor, validate(associationLabelInput, req.body))),
  }),
  'DELETE /association-labels/{id}': async (req) => {
    await deleteLabel(labelDeps, req.actor, req.params.id!);
    return { status: 204 };
  },
  'GET /snippets': async (req) => {
    const { limit, after } = parseLimit(req.query);
    return { status: 200, body: presentPage(await listSnippets(snippetDeps, req.actor, limit, after), presentSnippet) };
  },
  'POST /snippets': async (req) => ({
    status: 201,
    body: presentSnippet(await createSnippet(snippetDeps, req.actor, validate(snippetInput, req.body))),
  }),
  'GET /snippets/{id}': async (req) => ({
    status: 200,
    body: presentSnippet(await getSnippet(snippetDeps, req.actor, req.params.id!)),
  }),
  'PATCH /snippets/{id}': async (req) => ({
    status: 200,
    body: presentSnippet(
      await updateSnippet(snippetDeps, req.actor, req.params.id!, validate(snippetPatch, req.body), req.ifMatch),
    ),
  }),
  'DELETE /snippets/{id}': async (req) => {
    await deleteSnippet(snippetDeps, req.actor, req.params.id!, req.ifMatch);
    return { status: 204 };
  },
});
