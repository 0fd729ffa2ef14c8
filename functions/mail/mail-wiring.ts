import type { Mailer } from '../../domain/ports.js';
import { once, perProcess } from '../wiring.js';

/**
 * The mailer, for the functions that send mail (invoices: send and reminders; the stream consumer:
 * receipts; the recurring and reminders jobs). Locally mail goes to an outbox folder; in AWS through
 * SES. Either loads (with nodemailer, which composes the message) on the first send.
 */
export const mailer = /* @__PURE__ */ perProcess(({ config }): Mailer => {
  const load = once(async (): Promise<Mailer> => {
    if (config.OUTBOX_DIR)
      return new (await import('./outbox-mailer.js')).OutboxMailer(config.OUTBOX_DIR, config.MAIL_FROM);
    return new (await import('./ses-mailer.js')).SesMailer(config.MAIL_FROM);
  });
  return { send: async (m) => (await load()).send(m) };
});
