import type { Scorecard } from './scorecard.js';
import { formatMs } from './stats.js';
import { scorecardTable } from './report-text.js';

/**
 * The scorecard as one self-contained HTML page: inline CSS, two inline SVG charts (first-reply
 * histogram, open chats over time), no scripts and nothing fetched, so it opens from a file or a
 * CI artefact as it is.
 */

const esc = (s: string) => s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);

const W = 640;
const H = 240;
const PAD = { left: 48, right: 16, top: 16, bottom: 44 };

function histogramSvg(sc: Scorecard): string {
  const buckets = sc.firstReplyHistogram;
  const max = Math.max(1, ...buckets.map((b) => b.count));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const bw = plotW / buckets.length;
  const bars = buckets
    .map((b, i) => {
      const h = (b.count / max) * plotH;
      const x = PAD.left + i * bw;
      const label = b.toMs === null ? `≥${formatMs(b.fromMs)}` : `<${formatMs(b.toMs)}`;
      return (
        `<rect class="bar" x="${(x + 2).toFixed(1)}" y="${(PAD.top + plotH - h).toFixed(1)}" width="${(bw - 4).toFixed(1)}" height="${h.toFixed(1)}" data-count="${b.count}"><title>${esc(label)}: ${b.count}</title></rect>` +
        (b.count > 0 ? `<text class="count" x="${(x + bw / 2).toFixed(1)}" y="${(PAD.top + plotH - h - 3).toFixed(1)}">${b.count}</text>` : '') +
        `<text class="tick" x="${(x + bw / 2).toFixed(1)}" y="${H - PAD.bottom + 16}">${esc(label)}</text>`
      );
    })
    .join('');
  return (
    `<svg id="first-reply-histogram" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="First seller reply times">` +
    `<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"/>` +
    `<text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${max}</text>` +
    `<text class="tick" x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">0</text>` +
    bars +
    `<text class="label" x="${PAD.left + plotW / 2}" y="${H - 6}">time to the seller's first reply (chats per bucket)</text>` +
    `</svg>`
  );
}

function openChatsSvg(sc: Scorecard): string {
  const pts = sc.statusOverTime;
  const tMax = Math.max(1, sc.scenario.durationMs, ...pts.map((p) => p.t));
  const yMax = Math.max(1, ...pts.map((p) => p.open));
  const plotW = W - PAD.left - PAD.right;
  const plotH = H - PAD.top - PAD.bottom;
  const x = (t: number) => (PAD.left + (t / tMax) * plotW).toFixed(1);
  const y = (v: number) => (PAD.top + plotH - (v / yMax) * plotH).toFixed(1);
  const line = (cls: string, pick: (p: (typeof pts)[number]) => number) =>
    `<polyline class="${cls}" fill="none" points="${pts.map((p) => `${x(p.t)},${y(pick(p))}`).join(' ')}"/>`;
  const ticks = [0, 0.25, 0.5, 0.75, 1]
    .map((f) => `<text class="tick" x="${x(f * tMax)}" y="${H - PAD.bottom + 16}"${f === 1 ? ' text-anchor="end"' : ''}>${esc(formatMs(f * tMax))}</text>`)
    .join('');
  return (
    `<svg id="open-chats" xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${W} ${H}" width="${W}" height="${H}" role="img" aria-label="Open chats over time">` +
    `<line class="axis" x1="${PAD.left}" y1="${H - PAD.bottom}" x2="${W - PAD.right}" y2="${H - PAD.bottom}"/>` +
    `<line class="axis" x1="${PAD.left}" y1="${PAD.top}" x2="${PAD.left}" y2="${H - PAD.bottom}"/>` +
    `<text class="tick" x="${PAD.left - 6}" y="${PAD.top + 4}" text-anchor="end">${yMax}</text>` +
    `<text class="tick" x="${PAD.left - 6}" y="${H - PAD.bottom}" text-anchor="end">0</text>` +
    ticks +
    (pts.length > 0 ? line('open', (p) => p.open) + line('waiting', (p) => p.waitingForSeller) : '') +
    `<text class="label" x="${PAD.left + plotW / 2}" y="${H - 6}">sandbox time since start — open chats (blue), waiting for the seller (orange)</text>` +
    `</svg>`
  );
}

function statusTable(sc: Scorecard): string {
  const statuses = [...new Set(sc.statusOverTime.flatMap((p) => Object.keys(p.counts)))].sort();
  const step = Math.max(1, Math.ceil(sc.statusOverTime.length / 12));
  const rows = sc.statusOverTime.filter((_, i) => i % step === 0 || i === sc.statusOverTime.length - 1);
  return (
    `<table class="statuses"><thead><tr><th>time</th>${statuses.map((s) => `<th>${esc(s)}</th>`).join('')}</tr></thead><tbody>` +
    rows.map((p) => `<tr><td>${esc(formatMs(p.t))}</td>${statuses.map((s) => `<td>${p.counts[s] ?? 0}</td>`).join('')}</tr>`).join('') +
    `</tbody></table>`
  );
}

export function scorecardHtml(sc: Scorecard): string {
  const title = `ymchat simulation — business ${sc.businessId}, ${sc.scenario.name}, seed ${sc.seed}`;
  const unanswered = sc.unanswered
    .slice(0, 50)
    .map((u) => `<tr><td>${u.chatId}</td><td>${u.kind}</td><td>${esc(formatMs(u.waitingMs))}</td><td>${u.pastDeadline ? 'yes' : 'no'}</td><td>${u.disputed ? 'dispute' : u.gaveUp ? 'gave up' : ''}</td></tr>`)
    .join('');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${esc(title)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d232b;max-width:1000px}
h1{font-size:20px}h2{font-size:16px;margin-top:28px}
pre{background:#f4f6f8;padding:12px;overflow:auto;font-size:12.5px}
svg{background:#fbfcfd;border:1px solid #dde3ea;max-width:100%;height:auto}
svg .bar{fill:#3a78c3}svg .axis{stroke:#888}svg .tick,svg .count{font-size:11px;fill:#555;text-anchor:middle}
svg .label{font-size:12px;fill:#333;text-anchor:middle}
svg polyline.open{stroke:#3a78c3;stroke-width:2}svg polyline.waiting{stroke:#e08a1e;stroke-width:2}
table{border-collapse:collapse;font-size:13px}td,th{border:1px solid #dde3ea;padding:3px 8px;text-align:right}
</style></head><body>
<h1>${esc(title)}</h1>
<pre>${esc(scorecardTable(sc))}</pre>
<h2>Time to the seller's first reply</h2>
${histogramSvg(sc)}
<h2>Open chats over time</h2>
${openChatsSvg(sc)}
<h2>Chats per status over time</h2>
${statusTable(sc)}
<h2>Unanswered at the end</h2>
${unanswered ? `<table><thead><tr><th>chat</th><th>kind</th><th>waiting</th><th>past deadline</th><th></th></tr></thead><tbody>${unanswered}</tbody></table>` : '<p>None.</p>'}
</body></html>
`;
}
