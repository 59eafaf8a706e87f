// The page layout: every interpolated value HTML-encoded (OWASP rule 1), no script anywhere, and
// headers that forbid caching, framing and inline script.
import { describe, expect, it } from 'vitest';
import { esc, page, pageHeaders } from '../../src/ui/html.js';

describe('esc', () => {
  it('encodes the five characters that can break out of content or an attribute', () => {
    expect(esc(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });
  it('leaves other text alone and stringifies non-strings', () => {
    expect(esc('héllo / world = 1')).toBe('héllo / world = 1');
    expect(esc(42)).toBe('42');
    expect(esc(undefined)).toBe('undefined');
    expect(esc('&amp;')).toBe('&amp;amp;');
  });
});

describe('page', () => {
  const html = page('Title <x>', '<p>body</p>', 'Brand "B"');

  it('is a whole HTML5 document with the body as given', () => {
    expect(html.startsWith('<!doctype html>\n<html lang="en">')).toBe(true);
    expect(html).toContain('<meta charset="utf-8">');
    expect(html).toContain('<meta name="referrer" content="no-referrer">');
    expect(html).toContain('<p>body</p>');
  });

  it('encodes the title and the brand', () => {
    expect(html).toContain('<title>Title &lt;x&gt; · Brand &quot;B&quot;</title>');
    expect(html).toContain('<span>Brand &quot;B&quot;</span>');
    expect(html).not.toContain('Title <x>');
  });

  it('carries no script and defaults the brand to Mandate', () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/\son[a-z]+=/i);
    expect(page('t', '')).toContain('<title>t · Mandate</title>');
  });
});

describe('pageHeaders', () => {
  it('forbids caching, framing, script and the referrer', () => {
    expect(pageHeaders).toEqual({
      'Content-Type': 'text/html; charset=utf-8',
      'Cache-Control': 'no-store',
      'X-Frame-Options': 'DENY',
      'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
      'Referrer-Policy': 'no-referrer',
    });
  });
});
