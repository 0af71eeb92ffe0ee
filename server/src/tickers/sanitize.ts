import sanitizeHtml from 'sanitize-html';
import { AppError } from '../errors';

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

/**
 * The sanitized body, refused when nothing a reader could see is left (e.g. only a script):
 * an entry is never stored empty by accident. An entry sent without text keeps none (the schema
 * asks it for a title, picture or related article then).
 */
export function entryBodyOrRefuse(html: string, what: 'entry' | 'template' = 'entry'): string {
  // No text at all is a choice (a picture or a related article with its headline), not an accident.
  if (what === 'entry' && html.trim() === '') return '';
  const clean = sanitizeEntryHtml(html);
  const visible = sanitizeHtml(clean, { allowedTags: [], allowedAttributes: {} }).replace(/&nbsp;|\s/g, '');
  if (!visible) throw new AppError('validation_failed', `invalid ${what}`, [{ path: 'body', message: 'the body has no text left after removing what is not allowed (scripts, images, styles)' }]);
  return clean;
}
