import { actorName, actorText, loadActors, swatch } from './actors.js';
import { allPages, api } from './api.js';
import { ControlMap } from './control-map.js';
import { byId, clear, h, name } from './dom.js';
import { NOBODY_COLOUR, coloursFor } from './palette.js';
import { SharesChart } from './shares-chart.js';
import { perspectiveOf, showView } from './state.js';
import { formatLocal, formatUtc, isoUtc, knowsZone, parseUtc, zoneOf } from './time.js';
import { TimelineView } from './timeline-view.js';

const percent = (fraction) => `${Math.round(fraction * 1000) / 10}%`;
/** While the slider is dragged, control is asked for at most this often. */
const DRAG_INTERVAL_MS = 120;
/** Playing steps to the next event this often. */
const PLAY_INTERVAL_MS = 1200;
/** On a neighbourhood's first view, the chart and the timeline wait at most this long for the map. */
const MAP_FIRST_MS = 500;

/**
 * One neighbourhood: the instant (slider, play, steps), what was known (knownAt, reportedBy),
 * the perspective, and what they give: the map, the summary, the shares over time, the
 * positions and the timeline. The view in the address is the one shown; every control writes
 * it back there.
 */
export class NeighbourhoodView {
  constructor({ tileUrl, role, onError }) {
    this.role = role;
    this.onError = onError;
    this.view = {};
    this.detail = undefined;
    this.actors = new Map();
    this.colours = new Map();
    this.history = [];
    this.instants = [];
    this.span = { startMs: 0, endMs: 1 };
    this.loaded = { neighbourhood: undefined, knowledge: undefined };
    this.generation = 0;
    this.controller = undefined;
    this.playing = undefined;
    this.map = new ControlMap(byId('map'), { tileUrl, onSelect: (id) => this.selectPosition(id) });
    this.chart = new SharesChart(byId('chart'), { onPick: (ms) => this.moveTo(ms, { replace: true }) });
    this.timeline = new TimelineView({
      onSeek: (ms) => this.moveTo(ms, { replace: false }),
      onAssessed: (position) => this.reload(position),
    });
    this.bindControls();
  }

  /** The key's role, or a promise of it (GET /v1/me may still be answering). */
  setRole(role) {
    this.role = role;
  }

  /**
   * Shows the view (from the address). Only what changed is fetched again, all of it at once:
   * the map is drawn as soon as the registration and control at the instant are in; the history
   * (chart, steps) and the timeline, fetched beside them, are drawn after it.
   */
  async show(view) {
    this.view = view;
    byId('neighbourhood-view').setAttribute('aria-busy', 'true');
    const generation = ++this.generation;
    this.controller?.abort();
    this.controller = new AbortController();
    const { signal } = this.controller;
    const current = () => generation === this.generation;
    const knowledge = JSON.stringify({ id: view.neighbourhood, knownAt: view.knownAt, ...perspectiveOf(view) });
    const changed = this.loaded.neighbourhood !== view.neighbourhood;
    if (changed) this.stop();
    const registration = changed
      ? Promise.all([api(`/neighbourhoods/${encodeURIComponent(view.neighbourhood)}`, { signal }), loadActors({ signal })]).then(([detail, actors]) => {
          if (!current()) return;
          this.detail = detail;
          this.actors = actors;
          this.zone = zoneOf(detail);
          this.positions = new Map(detail.positions.map((p) => [p.id, p]));
          this.colours = coloursFor(detail.positions.map((p) => p.baselineController).filter((id) => id !== null));
          this.renderHeader();
          this.setSpan([]);
          this.map.setNeighbourhood(detail);
          this.loaded = { neighbourhood: view.neighbourhood, knowledge: undefined };
        })
      : Promise.resolve();
    const control = this.fetchControl(signal);
    // Awaited below, after the registration: a refusal that comes before it is not unhandled.
    control.catch(() => undefined);
    // A neighbourhood's first view: its history and timeline are fetched at once, but drawn after
    // the map, which comes first, or once the map has kept them waiting for MAP_FIRST_MS.
    let mapShown = () => undefined;
    const afterMap = changed
      ? new Promise((resolve) => {
          mapShown = resolve;
          setTimeout(resolve, MAP_FIRST_MS);
        })
      : Promise.resolve();
    if (changed) this.chart.dropPending();
    // The history belongs to what was known, not to the instant: moving the instant meanwhile keeps it.
    const stillKnown = () => this.loaded.neighbourhood === view.neighbourhood && this.loaded.knowledge === knowledge;
    const others = [];
    if (this.loaded.knowledge !== knowledge || changed) {
      const history = this.fetchHistory(signal);
      others.push(
        Promise.all([history, registration, afterMap]).then(([items]) => (stillKnown() ? this.applyHistory(items) : undefined)),
        this.timeline.show(
          { neighbourhoodId: view.neighbourhood, filters: this.timelineFilters() },
          Promise.all([registration, this.role, afterMap]).then(() => this.timelineContext()),
          signal,
        ),
      );
      // Awaited once the map is shown: a refusal before then, or after a failed map, is not unhandled.
      for (const other of others) other.catch(() => undefined);
    }
    try {
      await registration;
      if (!current()) return;
      this.loaded.knowledge = knowledge;
      this.renderControls();
      this.renderTime({ local: !changed });
      const answer = await control;
      if (!current()) return;
      this.showControl(answer);
      mapShown();
      if (changed) {
        this.renderPlace({ local: true });
        this.renderTime();
      }
      await Promise.all(others);
    } catch (error) {
      // Shown again in full the next time (unless a newer view took over); no longer loading.
      if (current()) {
        this.loaded.knowledge = undefined;
        byId('neighbourhood-view').setAttribute('aria-busy', 'false');
      }
      throw error;
    } finally {
      mapShown();
    }
    if (!current()) return;
    this.renderTime();
    this.timeline.highlight(this.asOfMs());
    byId('neighbourhood-view').setAttribute('aria-busy', 'false');
  }

  /** After an assessment: everything again, once the read models have it. */
  async reload(position) {
    this.loaded.knowledge = undefined;
    this.minPosition = position;
    await this.show(this.view);
  }

  asOfMs() {
    return this.view.asOf === undefined ? this.span.endMs : Date.parse(this.view.asOf);
  }

  /** The whole history in this view, every page. */
  async fetchHistory(signal) {
    const view = this.view;
    const { items } = await allPages(
      `/neighbourhoods/${encodeURIComponent(view.neighbourhood)}/control-history`,
      { knownAt: view.knownAt, ...perspectiveOf(view), limit: 1000, minPosition: this.minPosition },
      { signal },
    );
    return items;
  }

  /** The history's instants (the steps), the span of the slider, and the chart. */
  applyHistory(items) {
    this.history = items;
    for (const item of items) for (const id of Object.keys(item.shares)) if (!this.colours.has(id)) this.colours = coloursFor([...this.colours.keys(), id]);
    this.instants = [...new Set(items.filter((item) => item.eventId !== null).map((item) => Date.parse(item.at)))];
    this.setSpan(this.instants);
    const drawn = this.chart.setHistory(items, { actors: this.actors, colours: this.colours, endMs: this.span.endMs });
    this.renderTime();
    return drawn;
  }

  /**
   * The slider's span: from the baseline (or the first incident, if earlier) to the last
   * incident, and to any instant of the history shown (one retracted since may lie beyond).
   */
  setSpan(instants) {
    const detail = this.detail;
    const startMs = Math.min(Date.parse(detail.controlAsOf), ...(detail.firstIncidentAt ? [Date.parse(detail.firstIncidentAt)] : []));
    const lastMs = Math.max(startMs, ...(detail.lastIncidentAt ? [Date.parse(detail.lastIncidentAt)] : []), ...instants);
    this.span = { startMs, endMs: lastMs > startMs ? lastMs : startMs + 3_600_000 };
    const slider = byId('as-of-slider');
    slider.min = String(this.span.startMs);
    slider.max = String(this.span.endMs);
    // About 500 steps across the span, in whole minutes.
    slider.step = String(Math.max(60_000, Math.round((this.span.endMs - this.span.startMs) / 500 / 60_000) * 60_000));
  }

  fetchControl(signal) {
    const view = this.view;
    return api(`/neighbourhoods/${encodeURIComponent(view.neighbourhood)}/control`, {
      parameters: { asOf: view.asOf, knownAt: view.knownAt, ...perspectiveOf(view), minPosition: this.minPosition },
      signal,
    });
  }

  showControl(control) {
    this.control = control;
    for (const p of control.positions) if (p.controller !== null && !this.colours.has(p.controller)) this.colours = coloursFor([...this.colours.keys(), p.controller]);
    this.renderControl();
  }

  /** Moves the instant; `replace` keeps one history entry while dragging or playing. */
  moveTo(ms, { replace }) {
    byId('neighbourhood-view').setAttribute('aria-busy', 'true');
    const clamped = Math.min(this.span.endMs, Math.max(this.span.startMs, ms));
    const view = { ...this.view, asOf: isoUtc(clamped) };
    showView(view, { replace });
    this.view = view;
    this.renderTime();
    this.timeline.highlight(clamped);
    this.chart.setCursor(clamped);
    const now = performance.now();
    clearTimeout(this.pendingControl);
    const wait = Math.max(0, (this.lastControlAt ?? 0) + DRAG_INTERVAL_MS - now);
    this.pendingControl = setTimeout(() => {
      this.lastControlAt = performance.now();
      this.controller?.abort();
      this.controller = new AbortController();
      const generation = ++this.generation;
      this.fetchControl(this.controller.signal)
        .then((control) => {
          if (generation !== this.generation) return;
          this.showControl(control);
          byId('neighbourhood-view').setAttribute('aria-busy', 'false');
        })
        .catch((error) => {
          if (generation === this.generation) byId('neighbourhood-view').setAttribute('aria-busy', 'false');
          this.onError(error);
        });
    }, wait);
  }

  step(direction) {
    const at = this.asOfMs();
    const next = direction > 0 ? this.instants.find((t) => t > at) : [...this.instants].reverse().find((t) => t < at);
    if (next === undefined) {
      if (direction < 0 && at > this.span.startMs) this.moveTo(this.span.startMs, { replace: false });
      return false;
    }
    this.moveTo(next, { replace: false });
    return true;
  }

  play() {
    if (this.playing !== undefined) {
      this.stop();
      return;
    }
    if (this.instants.every((t) => t <= this.asOfMs())) this.moveTo(this.span.startMs, { replace: true });
    const button = byId('play');
    button.textContent = 'Pause';
    button.setAttribute('aria-pressed', 'true');
    this.playing = setInterval(() => {
      if (!this.step(1)) this.stop();
    }, PLAY_INTERVAL_MS);
  }

  stop() {
    if (this.playing === undefined) return;
    clearInterval(this.playing);
    this.playing = undefined;
    const button = byId('play');
    button.textContent = 'Play';
    button.setAttribute('aria-pressed', 'false');
  }

  /** A new perspective or knowledge: a new history entry, and every panel again. */
  change(patch) {
    const view = { ...this.view, ...patch };
    for (const [key, value] of Object.entries(patch)) if (value === undefined || value === '') delete view[key];
    showView(view);
    this.show(view).catch((error) => this.onError(error));
  }

  bindControls() {
    const slider = byId('as-of-slider');
    slider.addEventListener('input', () => this.moveTo(Number(slider.value), { replace: true }));
    slider.addEventListener('keydown', (event) => this.keyStep(event));
    byId('previous-event').addEventListener('click', () => this.step(-1));
    byId('next-event').addEventListener('click', () => this.step(1));
    byId('play').addEventListener('click', () => this.play());
    const asOfText = byId('as-of-text');
    asOfText.addEventListener('change', () => {
      const ms = parseUtc(asOfText.value);
      if (this.invalid(asOfText, ms)) return;
      this.moveTo(ms, { replace: false });
    });
    for (const [id, parameter] of [
      ['known-at', 'knownAt'],
      ['reported-by', 'reportedBy'],
    ]) {
      const input = byId(id);
      input.addEventListener('change', () => {
        const value = input.value.trim();
        if (value === '') return this.change({ [parameter]: undefined });
        const ms = parseUtc(value);
        if (this.invalid(input, ms)) return undefined;
        return this.change({ [parameter]: isoUtc(ms) });
      });
    }
    byId('confirmed-only').addEventListener('change', (event) => this.change({ status: event.target.checked ? 'confirmed' : undefined }));
    byId('all-claims').addEventListener('change', (event) => this.change({ claims: event.target.checked ? 'all' : undefined }));
    byId('min-reliability').addEventListener('change', (event) => this.change({ minReliability: event.target.value }));
    byId('min-credibility').addEventListener('change', (event) => this.change({ minCredibility: event.target.value }));
    byId('source').addEventListener('change', (event) => this.change({ source: event.target.value }));
    byId('reset-perspective').addEventListener('click', () =>
      this.change({ reportedBy: undefined, status: undefined, minReliability: undefined, minCredibility: undefined, source: undefined, claims: undefined }),
    );
    document.addEventListener('keydown', (event) => {
      if (byId('neighbourhood-view').hidden || event.target.closest?.('input, textarea, select')) return;
      this.keyStep(event);
    });
  }

  keyStep(event) {
    if (event.key !== '[' && event.key !== ']') return;
    event.preventDefault();
    this.step(event.key === ']' ? 1 : -1);
  }

  /** Marks an entry that is not an instant, and says so; true when it is not one. */
  invalid(input, ms) {
    const bad = !Number.isFinite(ms);
    input.setAttribute('aria-invalid', String(bad));
    if (bad) this.onError(new Error(`"${input.value}" is not a time: write it as 2018-04-18 23:30 (UTC)`));
    return bad;
  }

  selectPosition(id) {
    const row = document.querySelector(`#position-rows tr[data-position="${CSS.escape(id)}"]`);
    row?.scrollIntoView({ block: 'nearest' });
    row?.focus();
  }

  /** What the timeline asks the server for in this view. */
  timelineFilters() {
    const view = this.view;
    return { knownAt: view.knownAt, reportedBy: view.reportedBy, source: view.source, status: view.status, minPosition: this.minPosition };
  }

  /** What the timeline needs to draw its reports (the key's role is known by then). */
  async timelineContext() {
    const role = await this.role;
    return {
      neighbourhoodId: this.view.neighbourhood,
      actors: this.actors,
      positions: this.positions,
      zone: this.zone,
      canAssess: role === 'editor' || role === 'admin',
      perspective: perspectiveOf(this.view),
      filters: this.timelineFilters(),
      asOfMs: () => this.asOfMs(),
    };
  }

  renderHeader() {
    const d = this.detail;
    byId('nb-name').textContent = d.name;
    byId('nb-name-ar').textContent = d.nameAr ?? '';
    this.renderPlace({ local: false });
    document.title = `${d.name} — incident timeline`;
    const source = clear(byId('source'));
    source.append(h('option', { value: '' }, 'every source'), ...d.sources.map((s) => h('option', { value: s }, s)));
  }

  /** The controls as the view says. */
  renderControls() {
    const view = this.view;
    byId('known-at').value = view.knownAt ? formatUtc(Date.parse(view.knownAt), { withZone: false }) : '';
    byId('reported-by').value = view.reportedBy ? formatUtc(Date.parse(view.reportedBy), { withZone: false }) : '';
    byId('confirmed-only').checked = view.status === 'confirmed';
    byId('all-claims').checked = view.claims === 'all';
    byId('min-reliability').value = view.minReliability ?? '';
    byId('min-credibility').value = view.minCredibility ?? '';
    const source = byId('source');
    if (view.source !== undefined && ![...source.options].some((o) => o.value === view.source)) source.append(h('option', { value: view.source }, view.source));
    source.value = view.source ?? '';
    for (const id of ['known-at', 'reported-by', 'as-of-text']) byId(id).removeAttribute('aria-invalid');
  }

  /** The place line; `local` names the neighbourhood's time zone when the browser knows it (see renderTime). */
  renderPlace({ local }) {
    const d = this.detail;
    const zone = local && knowsZone(this.zone) ? ` · local time ${this.zone}` : '';
    byId('nb-place').textContent = `${d.city}, ${d.country} · baseline ${formatUtc(Date.parse(d.controlAsOf))} · ${d.positions.length} positions${zone}`;
  }

  /** `local: false` leaves the local time out: reading a zone's rules the first time takes longer than drawing the map. */
  renderTime({ local = true } = {}) {
    const ms = this.asOfMs();
    const slider = byId('as-of-slider');
    slider.value = String(ms);
    const text = `${formatUtc(ms)}${this.view.asOf === undefined ? ' (latest)' : ''}`;
    slider.setAttribute('aria-valuetext', text);
    byId('as-of-text').value = formatUtc(ms, { withZone: false });
    byId('as-of-local').textContent = local ? formatLocal(ms, this.zone) : '';
    this.chart.setCursor(ms);
    byId('previous-event').disabled = !(ms > this.span.startMs);
    byId('next-event').disabled = !this.instants.some((t) => t > ms);
  }

  renderControl() {
    const control = this.control;
    const positions = control.positions.map((p) => ({ ...this.positions.get(p.id), ...p }));
    this.map.show(positions, this.colours, this.actors);
    const ms = this.asOfMs();
    const shares = Object.entries(control.shares).sort(([, a], [, b]) => b - a);
    const localTime = formatLocal(ms, this.zone);
    clear(byId('summary-text')).append(
      h(
        'span',
        {},
      h('strong', {}, formatUtc(ms)),
      localTime ? ` (${localTime})` : '',
      ': majority controller ',
      h('span', { id: 'majority', dataset: { actor: control.majorityController ?? '' } }, control.majorityController === null ? 'none' : actorName(this.actors, control.majorityController)),
      '. ',
      shares.length === 0 ? 'Nobody holds anything. ' : [shares.map(([id, f], i) => [i > 0 ? ', ' : '', actorName(this.actors, id), ` ${percent(f)}`]), '. '],
      `${control.contestedPositions} contested position${control.contestedPositions === 1 ? '' : 's'}.`,
      control.perspective ? h('span', { class: 'perspective-note' }, ` In this perspective (${describePerspective(control.perspective)}).`) : '',
      ),
    );
    const bar = clear(byId('share-bar'));
    for (const [id, fraction] of shares) {
      bar.append(h('span', { style: `width:${fraction * 100}%;background:${this.colours.get(id)}`, title: `${actorText(this.actors, id)} ${percent(fraction)}` }));
    }
    byId('skipped-text').textContent =
      control.skipped && control.skipped.length > 0
        ? `${control.skipped.length} report${control.skipped.length === 1 ? '' : 's'} could not apply in this perspective (the positions already stood as they say, or their actor did not hold them).`
        : '';
    this.renderLegend(positions);
    this.renderPositions(positions);
    byId('main').dataset.ready = 'yes';
  }

  renderLegend(positions) {
    const holders = [...new Set(positions.map((p) => p.controller))];
    const legend = clear(byId('legend'));
    for (const id of holders.filter((x) => x !== null)) {
      legend.append(h('li', { dataset: { actor: id } }, swatch(this.colours.get(id)), actorName(this.actors, id), ` ${percent(this.control.shares[id] ?? 0)}`));
    }
    if (holders.includes(null)) legend.append(h('li', {}, swatch(NOBODY_COLOUR), h('span', { class: 'nobody' }, 'nobody')));
    legend.append(h('li', {}, swatch('#FFFFFF', { contested: true }), 'dashed ring: contested'));
    const unplaced = clear(byId('unplaced'));
    const missing = positions.filter((p) => !p.coordinates && !p.area);
    for (const p of missing) unplaced.append(h('li', { dataset: { position: p.id } }, name(p.name), ': ', this.controllerCell(p)));
    byId('unplaced-title').hidden = missing.length === 0;
  }

  controllerCell(p) {
    return [
      swatch(p.controller === null ? NOBODY_COLOUR : this.colours.get(p.controller), { contested: p.contested }),
      h('span', { class: 'controller', dataset: { actor: p.controller ?? '' } }, actorName(this.actors, p.controller)),
      p.contested ? h('span', { class: 'badge contested-mark' }, 'contested') : null,
      p.uncertain ? h('span', { class: 'badge uncertain', title: "Within the time precision of the reports around this instant" }, 'uncertain') : null,
    ];
  }

  renderPositions(positions) {
    const rows = clear(byId('position-rows'));
    for (const p of positions) {
      rows.append(
        h(
          'tr',
          { dataset: { position: p.id }, tabindex: '-1', onclick: () => this.map.focus(p.id) },
          h('th', { scope: 'row' }, name(p.name), p.nameAr ? [' ', name(p.nameAr, { arabic: true })] : null, p.coordinates || p.area ? null : h('span', { class: 'hint' }, ' (not on the map)')),
          h('td', {}, this.controllerCell(p)),
          h('td', {}, p.since === null ? '—' : formatUtc(Date.parse(p.since), { withZone: false })),
          h('td', {}, p.contestedBy.length === 0 ? '—' : p.contestedBy.map((id, i) => [i > 0 ? ', ' : '', actorName(this.actors, id)])),
          h('td', {}, evidenceText(p.evidence)),
        ),
      );
    }
  }
}

function evidenceText(e) {
  if (!e || e.reports === 0) return 'baseline';
  return `${e.reports} report${e.reports === 1 ? '' : 's'}, ${e.sources} source${e.sources === 1 ? '' : 's'}, best ${e.bestReliability}${e.bestCredibility}`;
}

function describePerspective(p) {
  const parts = [];
  if (p.status === 'confirmed') parts.push('confirmed reports only');
  if (p.claims === 'all') parts.push('every claim');
  if (p.minReliability) parts.push(`reliability ${p.minReliability} or better`);
  if (p.minCredibility) parts.push(`credibility ${p.minCredibility} or better`);
  if (p.source) parts.push(`reports citing ${p.source}`);
  if (p.reportedBy) parts.push(`published by ${formatUtc(Date.parse(p.reportedBy))}`);
  return parts.length === 0 ? 'the accepted timeline' : parts.join(', ');
}
