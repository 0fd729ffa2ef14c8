import MailComposer from 'nodemailer/lib/mail-composer/index.js';
import type { MailMessage } from '../../domain/ports.js';

/** nodemailer builds the RFC 5322 message (headers, MIME parts, encodings); both mailers send the same bytes. */
export function composeMessage(from: string, message: MailMessage): Promise<Buffer> {
  return new MailComposer({
    from,
    to: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html,
    // Shown by the HTML as cid:…, inside a multipart/related part.
    attachments: (message.inline ?? []).map((image) => ({
      cid: image.cid,
      content: Buffer.from(image.content),
      contentType: image.contentType,
      contentDisposition: 'inline' as const,
      filename: `${image.cid}.${image.contentType === 'image/png' ? 'png' : 'jpg'}`,
    })),
  })
    .compile()
    .build();
}
