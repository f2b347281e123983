import { actorText } from './actors.js';
import { formatUtc } from './time.js';

const HEIGHT = 220;
const LIBRARY = '/console/vendor/uplot.js';

let library;

/**
 * uPlot, loaded and run on first use rather than with the page: reading it takes as long as
 * drawing a map of a thousand positions, and the map comes first.
 */
function loadLibrary() {
  library ??= new Promise((resolve, reject) => {
    const script = document.createElement('script');
    script.src = LIBRARY;
    script.onload = () => resolve(globalThis.uPlot);
    script.onerror = () => {
      library = undefined;
      script.remove();
      reject(new Error('The chart could not be drawn: its library did not load'));
    };
    document.head.append(script);
  });
  return library;
}

/**
 * The shares of each actor over time, from /control-history, as steps (a share holds until the
 * next change), with a line at the instant the slider chose. uPlot draws on a canvas; the
 * summary above it and the positions table say the same in text.
 */
export class SharesChart {
  constructor(container, { onPick }) {
    this.container = container;
    this.onPick = onPick;
    this.plot = undefined;
    /** Counts setHistory calls: only the last one still waiting for the library draws. */
    this.calls = 0;
    this.cursorSeconds = undefined;
    this.resizeObserver = new ResizeObserver(() => this.plot?.setSize({ width: this.width(), height: HEIGHT }));
    this.resizeObserver.observe(container);
  }

  width() {
    return Math.max(280, this.container.clientWidth);
  }

  /**
   * `items` are the history's changes in order; `endMs` extends the last step to the end of the
   * span. Several changes at one instant show as the last of them: the state at that instant.
   * Resolves once drawn; a later call replaces an earlier one still waiting for the library.
   */
  async setHistory(items, options) {
    const call = ++this.calls;
    const uPlot = await loadLibrary();
    if (call === this.calls) this.draw(uPlot, items, options);
  }

  /** Forgets a history still waiting for the library (another neighbourhood is being shown). */
  dropPending() {
    this.calls += 1;
  }

  draw(uPlot, items, { actors, colours, endMs }) {
    const instants = [];
    const rows = [];
    for (const item of items) {
      const seconds = Date.parse(item.at) / 1000;
      if (instants.length > 0 && instants[instants.length - 1] === seconds) rows[rows.length - 1] = item.shares;
      else {
        instants.push(seconds);
        rows.push(item.shares);
      }
    }
    if (instants.length > 0 && endMs / 1000 > instants[instants.length - 1]) {
      instants.push(endMs / 1000);
      rows.push(rows[rows.length - 1]);
    }
    const ids = [...colours.keys()].filter((id) => rows.some((shares) => shares[id] !== undefined));
    const data = [instants, ...ids.map((id) => rows.map((shares) => shares[id] ?? 0))];
    const stepped = uPlot.paths.stepped({ align: 1 });
    const options = {
      width: this.width(),
      height: HEIGHT,
      legend: { show: true, live: true },
      cursor: { drag: { x: false, y: false }, points: { show: false } },
      // Ticks in UTC, like every time the console shows.
      tzDate: (seconds) => uPlot.tzDate(new Date(seconds * 1000), 'Etc/UTC'),
      scales: { x: { time: true }, y: { range: [0, 1] } },
      axes: [{ space: 70, size: 44, values: utcTicks }, { values: (_u, ticks) => ticks.map((t) => `${Math.round(t * 100)}%`), size: 48 }],
      series: [
        { label: 'UTC', value: (_u, t) => (t === null ? '' : formatUtc(t * 1000)) },
        ...ids.map((id) => ({
          label: actorText(actors, id),
          stroke: colours.get(id) === '#000000' ? '#333333' : colours.get(id),
          width: 2,
          paths: stepped,
          points: { show: false },
          value: (_u, v) => (v === null ? '' : `${Math.round(v * 1000) / 10}%`),
        })),
      ],
      hooks: { draw: [(u) => this.drawCursor(u)] },
    };
    this.plot?.destroy();
    this.plot = new uPlot(options, data, this.container);
    this.plot.over.addEventListener('click', () => {
      const left = this.plot.cursor.left;
      if (left === undefined || left < 0) return;
      this.onPick?.(Math.round(this.plot.posToVal(left, 'x') * 1000));
    });
    this.container.dataset.points = String(instants.length);
  }

  /** Moves the line marking the chosen instant. */
  setCursor(ms) {
    this.cursorSeconds = ms / 1000;
    this.plot?.redraw(false, false);
  }

  drawCursor(u) {
    if (this.cursorSeconds === undefined) return;
    const x = u.valToPos(this.cursorSeconds, 'x', true);
    if (!Number.isFinite(x)) return;
    const { ctx } = u;
    ctx.save();
    ctx.strokeStyle = '#B00020';
    ctx.lineWidth = 2 * devicePixelRatio;
    ctx.setLineDash([6 * devicePixelRatio, 4 * devicePixelRatio]);
    ctx.beginPath();
    ctx.moveTo(x, u.bbox.top);
    ctx.lineTo(x, u.bbox.top + u.bbox.height);
    ctx.stroke();
    ctx.restore();
  }
}

/** Tick labels in UTC, 24-hour: the date alone for steps of a day or more, else the time and, where the day changes, the date. */
function utcTicks(_u, ticks, _space, _count, increment) {
  let day;
  return ticks.map((t) => {
    const [date, time] = formatUtc(t * 1000, { withZone: false }).split(' ');
    if (increment >= 86_400) return date;
    const label = date === day ? time : `${time}\n${date}`;
    day = date;
    return label;
  });
}
