import sanitizeHtml from 'sanitize-html';

/**
 * The HTML an entry body may hold. No scripts, styles, event handlers, iframes or inline images
 * (images are the entry's `image` field); links get rel=noopener and only web/mail schemes.
 */
const OPTIONS: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'b', 'em', 'i', 'u', 's', 'a', 'ul', 'ol', 'li', 'blockquote', 'h3', 'h4', 'cite', 'q', 'sub', 'sup'],
  allowedAttributes: { a: ['href', 'title', 'target', 'rel'], q: ['cite'], blockquote: ['cite'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'discard',
  transformTags: {
    a: (tagName, attribs) => ({
      tagName,
      attribs: { ...attribs, rel: 'noopener noreferrer nofollow', ...(attribs.target ? { target: '_blank' } : {}) },
    }),
  },
};

export function sanitizeEntryHtml(html: string): string {
  return sanitizeHtml(html, OPTIONS).trim();
}
