import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailMessage } from '../../domain/ports.js';

/** nodemailer builds the RFC 5322 message (headers, MIME parts, encodings); both mailers send the same bytes. */
export function composeMessage(from: string, message: MailMessage): Promise<Buffer> {
  return new MailComposer({ from, to: message.to, subject: message.subject, text: message.text, html: message.html })
    .compile()
    .build();
}
