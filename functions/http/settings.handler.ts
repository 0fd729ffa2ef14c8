import { getSettings, updateSettings } from '../../domain/settings/settings-use-cases.js';
import { settingsInput } from '../../domain/settings/settings.js';
import { app } from '../wiring.js';
import { httpHandler } from './http-handler.js';
import { presentSettings } from './presenters.js';
import { validate } from './request.js';

const { deps, reminders } = app();

export const handler = httpHandler({
  'GET /settings/invoices': async (req) => ({
    status: 200,
    body: presentSettings(await getSettings(deps, req.actor.accountId)),
  }),
  'PUT /settings/invoices': async (req) => ({
    status: 200,
    body: presentSettings(
      await updateSettings(
        { ...deps, reminderIndex: reminders },
        req.actor,
        validate(settingsInput, req.body),
        req.ifMatch,
      ),
    ),
  }),
});
