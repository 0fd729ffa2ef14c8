import http from 'node:http';
import https from 'node:https';
import type { LookupFunction } from 'node:net';
import { DELIVERY_TIMEOUT_MS, RESPONSE_BODY_BYTES, type SendOutcome } from '../../domain/webhooks/delivery.js';
import type { WebhookSender } from '../../domain/webhooks/webhook-ports.js';
import { UrlRefused, vetUrl, type Resolved, type Resolver, type UrlPolicy } from './url-guard.js';

/** Connections are kept alive per host: a busy endpoint is not a TLS handshake per event. */
const agents = {
  http: new http.Agent({ keepAlive: true, maxSockets: 64 }),
  https: new https.Agent({ keepAlive: true, maxSockets: 64 }),
};

/**
 * The connection goes to an address the guard has just vetted and to no other: the request's own
 * lookup answers with them, so a DNS answer that changes between check and connect (rebinding)
 * changes nothing.
 */
const pinned =
  (addresses: Resolved[]): LookupFunction =>
  (_host, options, callback) => {
    if ((options as { all?: boolean }).all) (callback as (e: null, a: Resolved[]) => void)(null, addresses);
    else callback(null, addresses[0]!.address, addresses[0]!.family);
  };

/**
 * POSTs a delivery. The URL is vetted again at each attempt (DNS may now point elsewhere); no
 * redirect is followed (a 3xx is a failed attempt); the attempt gives up at DELIVERY_TIMEOUT_MS;
 * of the answer, the status and its first RESPONSE_BODY_BYTES are kept.
 */
export function httpSender(policy: UrlPolicy, resolve?: Resolver, timeoutMs = DELIVERY_TIMEOUT_MS): WebhookSender {
  return {
    async send(rawUrl, headers, body) {
      const started = performance.now();
      const took = () => Math.round(performance.now() - started);
      let target: Awaited<ReturnType<typeof vetUrl>>;
      try {
        target = await vetUrl(rawUrl, policy, resolve);
      } catch (e) {
        if (!(e instanceof UrlRefused)) throw e;
        return { statusCode: null, error: `refused: the URL ${e.message}`, durationMs: took(), responseBody: null };
      }
      const { url, addresses } = target;
      const secure = url.protocol === 'https:';
      return new Promise<SendOutcome>((done) => {
        let statusCode: number | null = null;
        const chunks: Buffer[] = [];
        let size = 0;
        let finished = false;
        const finish = (error: string | null) => {
          if (finished) return;
          finished = true;
          clearTimeout(timer);
          const text = Buffer.concat(chunks).subarray(0, RESPONSE_BODY_BYTES).toString('utf8');
          done({
            statusCode,
            error:
              error ??
              (statusCode !== null && statusCode >= 300 && statusCode < 400 ? 'redirects are not followed' : null),
            durationMs: took(),
            responseBody: statusCode === null ? null : text,
          });
        };
        const req = (secure ? https : http).request(url, {
          method: 'POST',
          headers: { ...headers, 'content-length': String(Buffer.byteLength(body)) },
          agent: secure ? agents.https : agents.http,
          lookup: pinned(addresses),
        });
        const timer = setTimeout(() => {
          // The status arrived in time: the answer counts, only its body was slow.
          finish(statusCode === null ? `timed out after ${timeoutMs / 1000} s` : null);
          req.destroy();
        }, timeoutMs);
        req.on('response', (res) => {
          statusCode = res.statusCode ?? null;
          res.on('data', (chunk: Buffer) => {
            if (size < RESPONSE_BODY_BYTES) chunks.push(chunk);
            size += chunk.length;
            // Enough kept: the rest is not read, and the connection not reused.
            if (size >= RESPONSE_BODY_BYTES) {
              finish(null);
              res.destroy();
            }
          });
          res.on('end', () => finish(null));
          res.on('error', () => finish(null));
        });
        req.on('error', (e) => finish(statusCode === null ? `request failed: ${e.message}` : null));
        req.end(body);
      });
    },
  };
}
