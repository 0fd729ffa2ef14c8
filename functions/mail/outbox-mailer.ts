import { randomUUID } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { MailMessage, Mailer } from '../../domain/ports.js';
import { composeMessage } from './compose-message.js';

/** Locally: each message is written to the outbox folder as an .eml file. */
export class OutboxMailer implements Mailer {
  constructor(
    private readonly dir: string,
    private readonly from: string,
  ) {}

  async send(message: MailMessage): Promise<void> {
    await mkdir(this.dir, { recursive: true });
    const raw = await composeMessage(this.from, message);
    await writeFile(join(this.dir, `${Date.now()}-${randomUUID().slice(0, 8)}.eml`), raw);
  }
}
