import { SendEmailCommand, SESv2Client } from '@aws-sdk/client-sesv2';
import type { MailMessage, Mailer } from '../../domain/ports.js';
import { composeMessage } from './compose-message.js';

/** In AWS: SES v2 with the raw message, from the verified sender identity. */
export class SesMailer implements Mailer {
  private readonly client = new SESv2Client({});
  constructor(private readonly from: string) {}

  async send(message: MailMessage): Promise<void> {
    const raw = await composeMessage(this.from, message);
    await this.client.send(
      new SendEmailCommand({
        FromEmailAddress: this.from,
        Destination: { ToAddresses: [message.to] },
        Content: { Raw: { Data: raw } },
      }),
    );
  }
}
