import { beforeAll, describe, expect, test } from 'vitest';
import { loadRichText, sanitizeRichText } from '../../../../domain/invoices/rich-text.js';

beforeAll(loadRichText);

describe('sanitizeRichText', () => {
  test('keeps paragraphs, line breaks, bold, italic, underline and lists', () => {
    const html =
      '<p>Thanks <b>a lot</b>, <i>really</i> <u>truly</u><br /></p><ul><li>one</li></ul><ol><li>two</li></ol>';
    expect(sanitizeRichText(html)).toBe(html);
  });

  test.each(['https://example.com/pay', 'http://example.com', 'mailto:billing@example.com'])(
    'keeps a link to %s (with a safe rel)',
    (href) => {
      expect(sanitizeRichText(`<a href="${href}">pay</a>`)).toBe(
        `<a href="${href}" rel="noopener noreferrer nofollow">pay</a>`,
      );
    },
  );

  test('drops script and style elements with their content', () => {
    expect(sanitizeRichText('<p>hi<script>alert(1)</script></p><style>p{}</style>')).toBe('<p>hi</p>');
  });

  test('drops event handlers and other attributes', () => {
    expect(sanitizeRichText('<b onclick="steal()" style="color:red" class="x">bold</b>')).toBe('<b>bold</b>');
    expect(sanitizeRichText('<a href="https://example.com" onclick="steal()" target="_blank">x</a>')).toBe(
      '<a href="https://example.com" rel="noopener noreferrer nofollow">x</a>',
    );
  });

  test.each([
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'java&#x09;script:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    'vbscript:x',
    'ftp://example.com',
    '//evil.example.com',
  ])('drops a link target %s but keeps the text', (href) => {
    const out = sanitizeRichText(`<a href="${href}">click</a>`);
    expect(out).not.toContain('href');
    expect(out).toContain('click');
  });

  test('drops disallowed elements but keeps their text', () => {
    expect(
      sanitizeRichText('<div><span>text</span></div><img src="x" onerror="alert(1)"><iframe src="https://x"></iframe>'),
    ).toBe('text');
    expect(sanitizeRichText('<h1>Title</h1>')).toBe('Title');
  });

  test('a rel from the user cannot loosen the forced one', () => {
    expect(sanitizeRichText('<a href="https://example.com" rel="opener">x</a>')).toBe(
      '<a href="https://example.com" rel="noopener noreferrer nofollow">x</a>',
    );
  });
});

test('relative and fragment links lose their href: only http(s) and mailto links are kept', () => {
  expect(sanitizeRichText('<a href="/i/other">a</a><a href="#top">b</a><a href="foo">c</a>')).toBe(
    '<a>a</a><a>b</a><a>c</a>',
  );
  expect(sanitizeRichText('<a href="mailto:pay@example.com">m</a>')).toBe(
    '<a href="mailto:pay@example.com" rel="noopener noreferrer nofollow">m</a>',
  );
});
