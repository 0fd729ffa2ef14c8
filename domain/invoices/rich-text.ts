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
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, rel: 'noopener noreferrer nofollow' } }),
  },
};

export function sanitizeRichText(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}
