/** loadtest-report.html: one self-contained page (inline CSS and SVG, no scripts): the summary table, targets, notes and per-second charts. */
import { cells, HEADINGS, verdict, type Chart, type ScenarioReport } from './report.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const COLORS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b'];
const W = 760;
const H = 260;
const PAD = { l: 64, r: 16, t: 16, b: 36 };

function niceTicks(lo: number, hi: number, log: boolean): number[] {
  if (log) {
    const out: number[] = [];
    for (let e = Math.floor(Math.log10(lo)); e <= Math.ceil(Math.log10(hi)); e += 1) for (const m of [1, 2, 5]) out.push(m * 10 ** e);
    return out.filter((v) => v >= lo && v <= hi);
  }
  const step = 10 ** Math.floor(Math.log10(Math.max(hi - lo, 1e-9))) / 2;
  const n = Math.ceil((hi - lo) / step) > 10 ? step * 2 : step;
  const out: number[] = [];
  for (let v = Math.ceil(lo / n) * n; v <= hi + 1e-9; v += n) out.push(v);
  return out;
}

const label = (v: number) => (v >= 1000 ? `${+(v / 1000).toFixed(1)}k` : `${+v.toPrecision(3)}`);

export function svg(chart: Chart): string {
  const pts = chart.lines.flatMap((l) => l.points).filter((p): p is [number, number] => p[1] !== null && (!chart.log || p[1] > 0));
  if (pts.length === 0) return `<p><em>${esc(chart.title)}: no samples</em></p>`;
  const xMax = Math.max(1, ...pts.map((p) => p[0]));
  let yLo = chart.log ? Math.min(...pts.map((p) => p[1])) : 0;
  let yHi = Math.max(...pts.map((p) => p[1]));
  if (chart.log) {
    yLo = 10 ** Math.floor(Math.log10(yLo));
    yHi = 10 ** Math.ceil(Math.log10(yHi));
  } else yHi = yHi * 1.05 || 1;
  const x = (v: number) => PAD.l + (v / xMax) * (W - PAD.l - PAD.r);
  const y = (v: number) => {
    const f = chart.log ? (Math.log10(v) - Math.log10(yLo)) / (Math.log10(yHi) - Math.log10(yLo)) : (v - yLo) / (yHi - yLo);
    return H - PAD.b - f * (H - PAD.t - PAD.b);
  };
  const grid = niceTicks(yLo, yHi, Boolean(chart.log))
    .map(
      (v) =>
        `<line x1="${PAD.l}" x2="${W - PAD.r}" y1="${y(v).toFixed(1)}" y2="${y(v).toFixed(1)}" stroke="#ddd"/><text x="${PAD.l - 6}" y="${(y(v) + 4).toFixed(1)}" text-anchor="end">${label(v)}</text>`,
    )
    .join('');
  const xTicks = niceTicks(0, xMax, false)
    .map((v) => `<text x="${x(v).toFixed(1)}" y="${H - PAD.b + 16}" text-anchor="middle">${label(v)}</text>`)
    .join('');
  const paths = chart.lines
    .map((l, i) => {
      let d = '';
      let pen = 'M';
      for (const [px, py] of l.points) {
        if (py === null || (chart.log && py <= 0)) {
          pen = 'M';
          continue;
        }
        d += `${pen}${x(px).toFixed(1)},${y(py).toFixed(1)} `;
        pen = 'L';
      }
      return `<path d="${d}" fill="none" stroke="${COLORS[i % COLORS.length]}" stroke-width="1.8"/>`;
    })
    .join('');
  const legend = chart.lines.map((l, i) => `<tspan fill="${COLORS[i % COLORS.length]}">■ ${esc(l.name)}</tspan>`).join('  ');
  return `<figure><figcaption>${esc(chart.title)} (${esc(chart.unit)}${chart.log ? ', log scale' : ''})</figcaption>
<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H + 18}" font-family="sans-serif" font-size="11">
<rect x="${PAD.l}" y="${PAD.t}" width="${W - PAD.l - PAD.r}" height="${H - PAD.t - PAD.b}" fill="#fafafa" stroke="#999"/>${grid}${xTicks}
<text x="${(W + PAD.l) / 2}" y="${H - 4}" text-anchor="middle">seconds</text>${paths}
<text x="${PAD.l}" y="${H + 14}">${legend}</text></svg></figure>`;
}

export function html(reports: ScenarioReport[], header: string, table: string): string {
  const head = HEADINGS.map((h) => `<th>${esc(h)}</th>`).join('');
  const body = reports
    .flatMap((r) =>
      r.rows.map(
        (row) =>
          `<tr>${cells(row)
            .map((c) => `<td>${esc(c)}</td>`)
            .join('')}</tr>`,
      ),
    )
    .join('\n');
  const targets = reports
    .flatMap((r) =>
      r.targets.map((t) => `<tr class="${verdict(t).trim()}"><td>${verdict(t)}</td><td>${esc(r.scenario)}</td><td>${esc(t.name)}</td><td>${esc(t.value)}</td><td>${esc(t.target)}</td></tr>`),
    )
    .join('\n');
  const sections = reports
    .map(
      (r) => `<h2>${esc(r.scenario)}</h2>${r.error ? `<p class="MISS">failed: ${esc(r.error)}</p>` : ''}<ul>${r.notes.map((n) => `<li>${esc(n)}</li>`).join('')}</ul>${r.charts.map(svg).join('\n')}`,
    )
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>roomescape loadtest</title>
<style>body{font-family:sans-serif;margin:24px;max-width:1200px}table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #ccc;padding:3px 6px;text-align:left}
th{background:#eee}.PASS td:first-child{color:#080;font-weight:bold}.MISS td:first-child,p.MISS{color:#b00;font-weight:bold}pre{background:#f6f6f6;padding:8px;overflow-x:auto;font-size:12px}figure{margin:12px 0}figcaption{font-size:13px;margin-bottom:4px}</style>
</head><body><h1>roomescape loadtest</h1>
<pre>${esc(header)}</pre>
<h2>summary</h2><table><tr>${head}</tr>
${body}</table>
<h2>targets</h2><table><tr><th>verdict</th><th>scenario</th><th>measure</th><th>value</th><th>target</th></tr>
${targets}</table>
${sections}
<h2>as printed</h2><pre>${esc(table)}</pre>
</body></html>
`;
}
