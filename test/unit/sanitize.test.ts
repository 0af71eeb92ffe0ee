import { sanitizeEntryHtml } from '../../server/src/tickers/sanitize';

const REL = 'rel="noopener noreferrer nofollow"';

describe('sanitizeEntryHtml (the HTML an entry body may hold)', () => {
  it.each(['p', 'strong', 'b', 'em', 'i', 'u', 's', 'ul', 'ol', 'li', 'blockquote', 'h3', 'h4', 'cite', 'q', 'sub', 'sup'])(
    'keeps <%s>',
    (tag) => {
      expect(sanitizeEntryHtml(`<${tag}>text</${tag}>`)).toBe(`<${tag}>text</${tag}>`);
    },
  );

  it('keeps line breaks and links', () => {
    expect(sanitizeEntryHtml('one<br>two')).toBe('one<br />two');
    expect(sanitizeEntryHtml('<a href="https://example.org/">x</a>')).toBe(`<a href="https://example.org/" ${REL}>x</a>`);
  });

  it('drops scripts, styles, frames and inline images with their content, and other tags but not their text', () => {
    expect(sanitizeEntryHtml('<script>alert(1)</script><style>p{}</style><iframe src="https://x.example"></iframe><img src="x.png">ok')).toBe('ok');
    expect(sanitizeEntryHtml('<div>a</div> <span>b</span> <h1>c</h1>')).toBe('a b c');
  });

  it('drops event handlers, classes, styles and ids from allowed tags', () => {
    expect(sanitizeEntryHtml('<p onclick="x()" class="c" style="color:red" id="i">t</p>')).toBe('<p>t</p>');
  });

  it('keeps the cite of a quote and the title of a link, nothing else', () => {
    expect(sanitizeEntryHtml('<q cite="https://a.example/" title="no">q</q>')).toBe('<q cite="https://a.example/">q</q>');
    expect(sanitizeEntryHtml('<blockquote cite="https://b.example/" lang="de">b</blockquote>')).toBe('<blockquote cite="https://b.example/">b</blockquote>');
    expect(sanitizeEntryHtml('<a href="https://c.example/" title="t" data-x="1">l</a>')).toBe(`<a href="https://c.example/" title="t" ${REL}>l</a>`);
  });

  it('every link gets rel=noopener noreferrer nofollow, whatever rel it came with', () => {
    expect(sanitizeEntryHtml('<a href="https://x.example/" rel="opener me">x</a>')).toBe(`<a href="https://x.example/" ${REL}>x</a>`);
  });

  it('a link that asks for a target opens in a new tab; one that does not gets no target', () => {
    expect(sanitizeEntryHtml('<a href="https://x.example/" target="_self">x</a>')).toBe(`<a href="https://x.example/" target="_blank" ${REL}>x</a>`);
    expect(sanitizeEntryHtml('<a href="https://x.example/">x</a>')).not.toContain('target');
  });

  it.each([
    ['http://x.example/', true],
    ['https://x.example/', true],
    ['mailto:desk@x.example', true],
    ['javascript:alert(1)', false],
    ['data:text/html,<b>x</b>', false],
    ['ftp://x.example/', false],
    ['//x.example/', false],
  ])('a link to %s keeps its href: %s', (href, kept) => {
    expect(sanitizeEntryHtml(`<a href="${href}">x</a>`).includes('href=')).toBe(kept);
  });

  it('trims what is left', () => {
    expect(sanitizeEntryHtml('  <p>x</p> <script>y</script> ')).toBe('<p>x</p>');
  });
});
