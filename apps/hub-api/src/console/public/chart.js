// A small line chart drawn as SVG: time on x, one series on y, gridlines and labels.
// No library: the console has no build step and must work offline.

const SVG = 'http://www.w3.org/2000/svg';
const WIDTH = 600;
const HEIGHT = 180;
const PAD = { left: 46, right: 8, top: 10, bottom: 22 };

function element(name, attributes, text) {
  const node = document.createElementNS(SVG, name);
  for (const [key, value] of Object.entries(attributes)) node.setAttribute(key, String(value));
  if (text !== undefined) node.textContent = text;
  return node;
}

/** 1, 2 or 5 times a power of ten, at least `value`: gridlines at round numbers. */
function niceCeiling(value) {
  if (value <= 0) return 1;
  const power = 10 ** Math.floor(Math.log10(value));
  for (const step of [1, 2, 5, 10]) if (step * power >= value) return step * power;
  return 10 * power;
}

function compact(value) {
  if (value >= 1_000_000) return `${(value / 1_000_000).toFixed(1)}M`;
  if (value >= 10_000) return `${Math.round(value / 1000)}k`;
  if (value >= 1000) return `${(value / 1000).toFixed(1)}k`;
  return Number.isInteger(value) ? String(value) : value.toFixed(1);
}

function clock(time) {
  return new Date(time).toLocaleTimeString('en-GB', { hour: '2-digit', minute: '2-digit', second: '2-digit' });
}

/**
 * Draws `points` ([{ at: epoch ms, value }]) into `svg`, replacing what was there, and
 * writes a one-sentence text alternative into `description`.
 */
export function drawLineChart(svg, description, points, { className, unit }) {
  svg.replaceChildren();
  const plotWidth = WIDTH - PAD.left - PAD.right;
  const plotHeight = HEIGHT - PAD.top - PAD.bottom;
  if (points.length < 2) {
    svg.append(element('text', { x: PAD.left, y: HEIGHT / 2 }, 'Collecting samples…'));
    description.textContent = 'Not enough samples yet.';
    return;
  }
  const start = points[0].at;
  const end = points[points.length - 1].at;
  const maximum = niceCeiling(Math.max(...points.map((point) => point.value)));
  const x = (at) => PAD.left + ((at - start) / Math.max(1, end - start)) * plotWidth;
  const y = (value) => PAD.top + plotHeight - (value / maximum) * plotHeight;

  for (let step = 0; step <= 4; step++) {
    const value = (maximum / 4) * step;
    svg.append(element('line', { class: 'grid', x1: PAD.left, x2: WIDTH - PAD.right, y1: y(value), y2: y(value) }));
    svg.append(element('text', { x: PAD.left - 6, y: y(value) + 4, 'text-anchor': 'end' }, compact(value)));
  }
  svg.append(element('line', { class: 'axis', x1: PAD.left, x2: PAD.left, y1: PAD.top, y2: PAD.top + plotHeight }));
  svg.append(element('line', { class: 'axis', x1: PAD.left, x2: WIDTH - PAD.right, y1: PAD.top + plotHeight, y2: PAD.top + plotHeight }));
  for (const at of [start, start + (end - start) / 2, end]) {
    const anchor = at === start ? 'start' : at === end ? 'end' : 'middle';
    svg.append(element('text', { x: x(at), y: HEIGHT - 6, 'text-anchor': anchor }, clock(at)));
  }
  const path = points.map((point, index) => `${index === 0 ? 'M' : 'L'}${x(point.at).toFixed(1)},${y(point.value).toFixed(1)}`).join(' ');
  svg.append(element('path', { class: `line ${className}`, d: path }));

  const latest = points[points.length - 1].value;
  const peak = Math.max(...points.map((point) => point.value));
  description.textContent = `From ${clock(start)} to ${clock(end)}: now ${compact(latest)} ${unit}, peak ${compact(peak)} ${unit}.`;
}
