import { INVOICE_CSP } from '../../domain/documents/invoice-template.js';
import type { SignedLink } from '../../domain/documents/document-use-cases.js';
import type { ApiResult } from './http-types.js';

/**
 * An invoice document as an HTML response: locked down by the template's CSP, never cached (the
 * status can change at any moment), not indexed, and sending no Referer to links in comments.
 */
export function invoiceHtml(html: string, csp: string = INVOICE_CSP): ApiResult {
  return {
    status: 200,
    html,
    headers: {
      'content-security-policy': csp,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'x-robots-tag': 'noindex, nofollow',
    },
  };
}

/** A signed link as JSON; a cached copy would outlive the link, so none is kept. */
export function signedLink(link: SignedLink): ApiResult {
  return { status: 200, body: link, headers: { 'cache-control': 'no-store' } };
}

/** A redirect to a signed link: fresh on every request, so never cached. */
export function redirectTo(link: SignedLink): ApiResult {
  return {
    status: 302,
    headers: { location: link.url, 'cache-control': 'no-store', 'referrer-policy': 'no-referrer' },
  };
}
