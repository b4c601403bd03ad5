// Two small hand-drawn SVG charts: stacked bars per minute, and bars per delivery attempt.

const NS = 'http://www.w3.org/2000/svg';

function svg(tag, attrs = {}, ...children) {
  const node = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, String(v));
  for (const c of children) node.append(c);
  return node;
}

const title = (text) => svg('title', {}, text);

export const CLASS_COLOURS = { '2xx': '#3a9d5d', '4xx': '#e0a526', '5xx': '#c8423b' };

function frame(width, height, label) {
  return svg('svg', { viewBox: `0 0 ${width} ${height}`, width, height, role: 'img', 'aria-label': label });
}

/** Drawn at the width of the box it goes into, so text is never stretched. */
const widthOf = (box) => Math.max(280, Math.floor((box && box.clientWidth) || 600) - 10);

function axis(root, width, height, pad, max, unit) {
  root.append(
    svg('line', { x1: pad.l, y1: height - pad.b, x2: width - pad.r, y2: height - pad.b, stroke: '#c3c9d1' }),
    svg('text', { x: pad.l - 4, y: pad.t + 8, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7480' }, `${max}${unit}`),
    svg('text', { x: pad.l - 4, y: height - pad.b, 'text-anchor': 'end', 'font-size': 10, fill: '#6b7480' }, `0`),
  );
}

/** Calls per minute, stacked by status class; `minutes` as the stats route gives them. */
export function requestsChart(minutes, box) {
  const width = widthOf(box);
  const height = 120;
  const pad = { l: 34, r: 6, t: 6, b: 18 };
  const root = frame(width, height, 'Partner API calls per minute by status class');
  const max = Math.max(1, ...minutes.map((m) => m['2xx'] + m['4xx'] + m['5xx']));
  axis(root, width, height, pad, max, '');
  const slot = (width - pad.l - pad.r) / Math.max(1, minutes.length);
  const scale = (height - pad.t - pad.b) / max;
  minutes.forEach((m, i) => {
    let y = height - pad.b;
    const when = m.minute.slice(11, 16);
    for (const cls of ['2xx', '4xx', '5xx']) {
      const n = m[cls];
      if (!n) continue;
      const h = n * scale;
      y -= h;
      root.append(
        svg('rect', { x: pad.l + i * slot + 1, y, width: Math.max(1, slot - 2), height: h, fill: CLASS_COLOURS[cls] }, title(`${when} UTC: ${n} × ${cls}`)),
      );
    }
    const last = i === minutes.length - 1;
    if (i % 10 === 0 || last) {
      root.append(svg('text', { x: last ? width - pad.r : pad.l + i * slot, y: height - 4, 'font-size': 10, fill: '#6b7480', 'text-anchor': last ? 'end' : 'start' }, when));
    }
  });
  return root;
}

const OUTCOME_COLOURS = { DELIVERED: '#3a9d5d', WILL_RETRY: '#e0a526', REJECTED: '#c8423b', GAVE_UP: '#c8423b', FAILED: '#c8423b' };

/** Latency of the latest delivery attempts, oldest left, coloured by outcome. */
export function latencyChart(attempts, box) {
  const width = widthOf(box);
  const height = 120;
  const pad = { l: 44, r: 6, t: 6, b: 18 };
  const root = frame(width, height, 'Notification delivery latency per attempt');
  const rows = [...attempts].reverse();
  const max = Math.max(10, ...rows.map((a) => a.latencyMs || 0));
  axis(root, width, height, pad, max, ' ms');
  const slot = (width - pad.l - pad.r) / Math.max(30, rows.length);
  const scale = (height - pad.t - pad.b) / max;
  rows.forEach((a, i) => {
    const h = Math.max(1, (a.latencyMs || 0) * scale);
    root.append(
      svg(
        'rect',
        { x: pad.l + i * slot + 1, y: height - pad.b - h, width: Math.max(1, slot - 2), height: h, fill: OUTCOME_COLOURS[a.outcome] || '#8894a3' },
        title(`${a.notificationType || a.eventType || ''} ${a.outcome || ''}: ${a.latencyMs} ms`),
      ),
    );
  });
  if (rows.length === 0) root.append(svg('text', { x: width / 2, y: height / 2, 'text-anchor': 'middle', 'font-size': 12, fill: '#6b7480' }, 'no deliveries yet'));
  return root;
}
