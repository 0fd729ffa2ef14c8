import sanitizeHtml from 'sanitize-html';

/**
 * Comments for the buyer are rich text restricted to what the contract allows: paragraphs, line
 * breaks, bold, italic, underline, lists and http(s)/mailto links. sanitize-html drops everything
 * else (scripts, styles, event handlers, javascript: URLs) and keeps the text inside.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'b', 'strong', 'i', 'em', 'u', 'ul', 'ol', 'li', 'a'],
  // rel is forced by transformTags below, so a buyer's browser never hands our page to the target
  allowedAttributes: { a: ['href', 'rel'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    // Only absolute http(s) and mailto links survive: relative and fragment links point into our
    // own pages, which the contract does not allow either.
    a: (tagName, attribs): sanitizeHtml.Tag => {
      const href = attribs.href?.trim() ?? '';
      const safe: sanitizeHtml.Attributes = /^(https?:\/\/|mailto:)/i.test(href)
        ? { href, rel: 'noopener noreferrer nofollow' }
        : {};
      return { tagName, attribs: safe };
    },
  },
};

export function sanitizeRichText(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}

/** The words of a comment without its markup (exports); entities decoded, paragraphs as line breaks. */
export function richTextToPlain(html: string): string {
  const withBreaks = html.replace(/<\/(p|li)>|<br\s*\/?>/gi, '\n');
  return sanitizeHtml(withBreaks, { allowedTags: [], allowedAttributes: {} })
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&')
    .replace(/\n{2,}/g, '\n')
    .trim();
}
