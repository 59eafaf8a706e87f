/**
 * Server-rendered pages: one layout with a small stylesheet, no framework and no script. Every
 * interpolated value goes through `esc` (OWASP XSS prevention, rule 1: HTML-encode element content
 * and attribute values).
 */
const entities: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
};

export function esc(value: unknown): string {
  return String(value).replace(/[&<>"']/g, (c) => entities[c] ?? c);
}

const css = `
:root{--ink:#1b1f24;--muted:#5b6470;--line:#d9dee4;--bg:#f4f6f8;--card:#fff;--brand:#2f5bd3;--brand-ink:#fff;--bad:#b42318}
*{box-sizing:border-box}
body{margin:0;font:16px/1.5 system-ui,-apple-system,"Segoe UI",Roboto,sans-serif;color:var(--ink);background:var(--bg)}
main{max-width:28rem;margin:8vh auto;padding:0 1rem}
.card{background:var(--card);border:1px solid var(--line);border-radius:12px;padding:2rem;box-shadow:0 1px 3px rgba(0,0,0,.06)}
.brand{display:flex;align-items:center;gap:.5rem;font-weight:700;margin-bottom:1.25rem;color:var(--brand)}
.brand svg{width:1.5rem;height:1.5rem}
h1{font-size:1.35rem;margin:0 0 .75rem}
p{margin:.5rem 0}
.muted{color:var(--muted);font-size:.925rem}
ul.scopes{padding-left:1.2rem;margin:.5rem 0 1rem}
ul.scopes li{margin:.2rem 0}
code{font-family:ui-monospace,SFMono-Regular,Menlo,monospace;font-size:.9em;background:var(--bg);padding:.05rem .3rem;border-radius:4px}
label{display:block;font-weight:600;margin:.75rem 0 .25rem}
input[type=text],input[type=password]{width:100%;padding:.6rem .7rem;border:1px solid var(--line);border-radius:8px;font:inherit}
input:focus,button:focus{outline:3px solid rgba(47,91,211,.35);outline-offset:1px}
.actions{display:flex;gap:.75rem;margin-top:1.5rem}
button{flex:1;padding:.65rem 1rem;border-radius:8px;border:1px solid var(--line);background:var(--card);font:inherit;font-weight:600;cursor:pointer}
button.primary{background:var(--brand);border-color:var(--brand);color:var(--brand-ink)}
.error{color:var(--bad);font-weight:600}
dl{display:grid;grid-template-columns:auto 1fr;gap:.25rem 1rem;margin:1rem 0}
dt{color:var(--muted)}
dd{margin:0;word-break:break-all}
`;

const logo =
  '<svg viewBox="0 0 24 24" aria-hidden="true"><path fill="currentColor" d="M12 2 3 6v6c0 5 3.8 9.7 9 10 5.2-.3 9-5 9-10V6l-9-4Zm0 4.2 5 2.2V12c0 3.3-2.2 6.4-5 7-2.8-.6-5-3.7-5-7V8.4l5-2.2Z"/></svg>';

export function page(title: string, body: string, brand = 'Mandate'): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="referrer" content="no-referrer">
<title>${esc(title)} · ${esc(brand)}</title>
<style>${css}</style>
</head>
<body>
<main>
<div class="card">
<div class="brand">${logo}<span>${esc(brand)}</span></div>
${body}
</div>
</main>
</body>
</html>
`;
}

/** Headers for every page: no caching, no framing (clickjacking on consent), no inline script. */
export const pageHeaders = {
  'Content-Type': 'text/html; charset=utf-8',
  'Cache-Control': 'no-store',
  'X-Frame-Options': 'DENY',
  'Content-Security-Policy': "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'none'",
  'Referrer-Policy': 'no-referrer',
} as const;
