import type SanitizeHtml from 'sanitize-html';

let sanitizeHtml: typeof SanitizeHtml | undefined;

/**
 * sanitize-html, with the HTML and CSS parsers it brings, is about 300 KB minified: too much to
 * load at the cold start of every function whose requests may never carry a comment. It loads here
 * instead, on the first call (a resolved no-op after that), which each use case that sanitizes or
 * reads rich text awaits before it does; in a bundle it is a chunk of its own (infra/bundle.ts).
 */
export async function loadRichText(): Promise<void> {
  sanitizeHtml ??= (await import('sanitize-html')).default;
}

function sanitizer(): typeof SanitizeHtml {
  if (!sanitizeHtml) throw new Error('rich text handled before loadRichText() resolved');
  return sanitizeHtml;
}

/**
 * Comments for the buyer are rich text restricted to what the contract allows: paragraphs, line
 * breaks, bold, italic, underline, lists and http(s)/mailto links. sanitize-html drops everything
 * else (scripts, styles, event handlers, javascript: URLs) and keeps the text inside.
 */
const OPTIONS: SanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li', 'a'],
  // rel is forced by transformTags below, so a buyer's browser never hands our page to the target
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // Only absolute http(s) and mailto links survive: relative and fragment links point into our
    // own pages, which the contract does not allow either.
    a: (tagName, attribs): SanitizeHtml.Tag => {
      const href = attribs.href?.trim() ?? '';
      const safe: SanitizeHtml.Attributes = /^(https?:\/\/|mailto:)/i.test(href)
        ? { href, rel: 'noopener noreferrer nofollow' }
        : {};
      return { tagName, attribs: safe };
    },
  },
};

export function sanitizeRichText(html: string): string {
  return sanitizer()(html, OPTIONS).trim();
}

/** The words of a comment without its markup (exports); entities decoded, paragraphs as line breaks. */
export function richTextToPlain(html: string): string {
  const withBreaks = html.replace(/<\/(p|li)>|<br\s*\/?>/gi, '\n');
  return sanitizer()(withBreaks, { allowedTags: [], allowedAttributes: {} })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{2,}/g, '\n')
    .trim();
}
