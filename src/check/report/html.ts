// report.html: one self-contained page (inline CSS, no script, no network): a summary, then a
// table per section, each verdict coloured, each case's evidence linked (relative paths).
import { RULES } from '../rules.ts';
import type { CheckReport, Verdict } from '../types.ts';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const CLASS: Record<Verdict, string> = { PASS: 'pass', FAIL: 'fail', INCONCLUSIVE: 'inc', 'NOT APPLICABLE': 'na' };

const CSS = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:2em auto;max-width:1180px;color:#1d1d1f;padding:0 1em}
h1{font-size:1.5em;margin-bottom:.2em}h2{margin-top:1.6em;border-bottom:1px solid #ddd;padding-bottom:.2em}h2.section{text-transform:capitalize}
.meta{color:#555}.meta code{background:#f3f3f3;padding:1px 4px;border-radius:3px}
.tiles{display:flex;gap:.8em;margin:1em 0}.tile{padding:.6em 1em;border-radius:6px;min-width:7em;color:#fff}
.tile b{display:block;font-size:1.6em}
table{border-collapse:collapse;width:100%;margin:.5em 0}th,td{text-align:left;vertical-align:top;padding:.35em .6em;border-bottom:1px solid #eee}
th{background:#fafafa;font-weight:600}td.took{white-space:nowrap}td.id{white-space:nowrap;font-family:ui-monospace,monospace;font-size:.92em}
.v{font-weight:700;white-space:nowrap;padding:.1em .5em;border-radius:4px;color:#fff;font-size:.85em}
.pass{background:#1f883d}.fail{background:#cf222e}.inc{background:#bf8700}.na{background:#6e7781}
.notrun{background:#fff8c5;border:1px solid #d4a72c;padding:.5em .8em;border-radius:6px;margin:.4em 0}
.rules code{background:#f3f3f3;padding:1px 4px;border-radius:3px}a{color:#0969da}
`;

export function reportHtml(r: CheckReport): string {
  const tiles = (Object.entries(r.counts) as Array<[Verdict, number]>)
    .map(([v, n]) => `<div class="tile ${CLASS[v]}"><b>${n}</b>${esc(v)}</div>`).join('');
  const sections = [...new Set(r.cases.map((c) => c.section))].map((s) => {
    const rows = r.cases.filter((c) => c.section === s).map((c) => `<tr><td><span class="v ${CLASS[c.verdict]}">${esc(c.verdict)}</span></td>`
      + `<td class="id">${esc(c.id)}</td><td>${esc(c.reason)}</td>`
      + `<td>${c.evidence.map((e) => `<a href="${esc(e)}">${esc(e.split('/').pop()!)}</a>`).join(' ')}</td>`
      + `<td class="took">${(c.ms / 1000).toFixed(1)} s</td></tr>`).join('\n');
    return `<h2 class="section">${esc(s)}</h2>\n<table><thead><tr><th>verdict</th><th>case</th><th>reason</th><th>evidence</th><th>took</th></tr></thead><tbody>\n${rows}\n</tbody></table>`;
  }).join('\n');
  const notRun = r.notRun.map((n) => `<div class="notrun"><b>${esc(n.section)}: not run in this version</b> — ${esc(n.why)}</div>`).join('\n');
  const named = [...new Set(r.cases.flatMap((c) => c.rules))];
  const rules = named.length ? `<h2>rules the cases check</h2><ul class="rules">${named.map((id) => `<li><code>${esc(id)}</code>: ${esc(RULES[id])}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>CRC check: ${esc(r.server)}</title>
<meta name="viewport" content="width=device-width,initial-scale=1"><style>${CSS}</style></head>
<body><h1>CRC check</h1>
<p class="meta">${esc(r.server)}<br>command <code>${esc(r.command)}</code> · started ${esc(r.started)} · took ${(r.durationMs / 1000).toFixed(1)} s${r.quick ? ' · --quick (a subset)' : ''} · exit code ${r.exitCode}</p>
<div class="tiles">${tiles}</div>
${notRun}
${sections}
${rules}
</body></html>
`;
}
