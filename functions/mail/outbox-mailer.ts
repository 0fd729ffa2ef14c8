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
    if (!message.idempotencyKey) {
      await writeFile(join(this.dir, `${Date.now()}-${randomUUID().slice(0, 8)}.eml`), raw);
      return;
    }
    // A message named before is not written again: the file's name is its key, created exclusively.
    const name = `${message.idempotencyKey.replace(/[^A-Za-z0-9_-]/g, '_')}.eml`;
    try {
      await writeFile(join(this.dir, name), raw, { flag: 'wx' });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}
