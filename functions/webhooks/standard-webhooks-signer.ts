import { randomBytes } from 'node:crypto';
import type { WebhookSigner } from '../../domain/webhooks/webhook-ports.js';

/**
 * The Standard Webhooks scheme through its reference library: `webhook-signature` is `v1,` and the
 * base64 HMAC-SHA256 of `id.timestamp.body`, once per secret, space-separated (during a rotation's
 * overlap, the new secret's and the old one's), so a consumer verifies with the library in any language.
 * The library loads with the first signature: of the functions wired with this signer, only the
 * delivery function signs; the webhooks API function only makes secrets.
 */
export const standardWebhooksSigner: WebhookSigner = {
  async headers(secrets, messageId, at, body) {
    const { Webhook } = await import('standardwebhooks');
    return {
      'content-type': 'application/json',
      'user-agent': 'invoice-service-webhooks/1',
      'webhook-id': messageId,
      'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
      'webhook-signature': secrets.map((s) => new Webhook(s).sign(messageId, at, body)).join(' '),
    };
  },
  /** 32 random bytes, in the `whsec_` + base64 form the library reads. */
  newSecret: () => `whsec_${randomBytes(32).toString('base64')}`,
};
