import { actorName } from './actors.js';
import { ApiError, api } from './api.js';
import { byId, clear, h, name } from './dom.js';
import { formatLocal, formatUtc, knowsZone } from './time.js';

const PAGE = 100;

const TYPE_LABELS = {
  AttackLaunched: 'Attack',
  PositionCaptured: 'Capture',
  CounterattackLaunched: 'Counterattack',
  ForcesRetreated: 'Retreat',
  CasualtiesReported: 'Casualties',
};

const RELIABILITY = { A: 'completely reliable', B: 'usually reliable', C: 'fairly reliable', D: 'not usually reliable', E: 'unreliable', F: 'reliability cannot be judged' };
const CREDIBILITY = { 1: 'confirmed by other sources', 2: 'probably true', 3: 'possibly true', 4: 'doubtful', 5: 'improbable', 6: 'truth cannot be judged' };

const ASSESSMENTS = [
  { status: 'confirmed', verb: 'Confirm' },
  { status: 'disputed', verb: 'Dispute' },
  { status: 'refuted', verb: 'Refute' },
];

/**
 * The neighbourhood's reports in time order, a page at a time: what each says, its sources
 * (ratings; protected ones as such), its standing and status, what a conflicting claim
 * contradicts (beside it, fetched by id when on another page), and, for editors, assessment.
 */
export class TimelineView {
  constructor({ onSeek, onAssessed }) {
    this.onSeek = onSeek;
    this.onAssessed = onAssessed;
    this.list = byId('timeline-list');
    this.more = byId('timeline-more');
    this.more.addEventListener('click', () => void this.loadMore());
    this.items = new Map();
    this.cursor = undefined;
    this.context = undefined;
  }

  /**
   * Shows the first page for a neighbourhood in a view. The page is asked for at once;
   * `context` (a promise: neighbourhood id, position names, actors, zone, whether the user may
   * assess, the view's timeline filters and what it counts) is awaited only to draw it.
   */
  async show(request, context, signal) {
    const token = {};
    this.token = token;
    const page = this.fetchPage(request, undefined, signal);
    const [ready, answer] = await Promise.all([context, page]);
    if (this.token !== token) return;
    this.context = ready;
    this.items.clear();
    clear(this.list);
    byId('timeline-hint').textContent = describeFilters(ready);
    await this.append(answer, signal);
  }

  async loadMore(signal) {
    const context = this.context;
    const answer = await this.fetchPage(context, this.cursor, signal);
    if (context !== this.context) return;
    await this.append(answer, signal);
  }

  fetchPage({ neighbourhoodId, filters }, cursor, signal) {
    return api(`/neighbourhoods/${encodeURIComponent(neighbourhoodId)}/timeline`, { parameters: { ...filters, limit: PAGE, cursor }, signal });
  }

  async append(answer, signal) {
    const context = this.context;
    for (const item of answer.items) {
      this.items.set(item.eventId, item);
      this.list.append(this.render(item));
    }
    this.cursor = answer.nextCursor;
    this.more.hidden = this.cursor === undefined;
    if (this.list.childElementCount === 0) this.list.append(h('li', { class: 'empty' }, 'No report matches this view.'));
    await this.fillContradicted(signal);
    this.highlight(context.asOfMs());
  }

  /** Marks the reports after the chosen instant, and the latest one at or before it. */
  highlight(asOfMs) {
    let latest;
    for (const element of this.list.querySelectorAll('li.report')) {
      const after = Number(element.dataset.occurredAtMs) > asOfMs;
      element.classList.toggle('after-as-of', after);
      element.classList.remove('latest');
      if (!after) latest = element;
    }
    latest?.classList.add('latest');
    // Keeps the latest report in view inside the timeline's own scrolling panel.
    const panel = this.list.closest('.timeline');
    if (latest !== undefined && panel !== null && (latest.offsetTop < panel.scrollTop || latest.offsetTop > panel.scrollTop + panel.clientHeight - 60)) {
      panel.scrollTop = Math.max(0, latest.offsetTop - 80);
    }
  }

  render(item) {
    const { zone } = this.context;
    const occurredAtMs = Date.parse(item.occurredAt);
    const counted = countsInView(item, this.context);
    return h(
      'li',
      {
        class: `report type-${item.type}${counted.counts ? '' : ' not-counted'}`,
        id: `report-${item.eventId}`,
        dataset: { eventId: item.eventId, occurredAtMs: String(occurredAtMs), standing: item.standing, status: item.status },
      },
      h(
        'div',
        { class: 'report-head' },
        h('span', { class: 'report-type' }, TYPE_LABELS[item.type] ?? item.type),
        ' ',
        h(
          'button',
          { type: 'button', class: 'link when', title: 'Show control at this instant', onclick: () => this.onSeek(occurredAtMs) },
          formatUtc(occurredAtMs),
          item.timePrecision !== 'exact' ? ` (to the ${item.timePrecision})` : '',
        ),
        knowsZone(zone) ? h('span', { class: 'local-time' }, ` ${formatLocal(occurredAtMs, zone)}`) : null,
      ),
      h(
        'div',
        { class: 'badges' },
        h('span', { class: `badge standing standing-${item.standing}`, dataset: { badge: 'standing' } }, item.standing),
        h('span', { class: `badge status status-${item.status}`, dataset: { badge: 'status' } }, item.status),
        item.retracted ? h('span', { class: 'badge retracted', dataset: { badge: 'retracted' } }, 'retracted') : null,
        counted.counts ? null : h('span', { class: 'badge outside' }, counted.why),
      ),
      item.standing === 'conflicting' && item.conflictsWith?.length
        ? h(
            'div',
            { class: 'claim-pair' },
            h('div', { class: 'claim-side' }, h('h4', {}, 'This claim'), this.body(item)),
            h(
              'div',
              { class: 'claim-side contradicted', dataset: { contradicts: item.conflictsWith.join(' ') } },
              h('h4', {}, item.conflictCode === 'NOT_CONTROLLED' ? 'Contradicts (who held it then)' : 'Contradicts the accepted reports'),
              item.conflictsWith.map((id) => h('div', { class: 'contradicted-report', dataset: { eventId: id } }, h('span', { class: 'hint' }, 'Loading…'))),
            ),
          )
        : this.body(item),
      item.corroborates?.length
        ? h(
            'p',
            { class: 'corroborates' },
            'Corroborates ',
            item.corroborates.map((id, i) => [i > 0 ? ', ' : '', h('a', { href: `#report-${id}` }, this.items.has(id) ? shortLabel(this.items.get(id)) : 'an earlier report')]),
          )
        : null,
      this.sources(item),
      item.retraction ? h('p', { class: 'retraction' }, 'Retracted: ', name(item.retraction.reason), ` (${formatUtc(Date.parse(item.retraction.recordedAt))})`) : null,
      item.assessments.length
        ? h(
            'ul',
            { class: 'assessments', 'aria-label': 'Assessments' },
            item.assessments.map((a) =>
              h('li', {}, h('strong', {}, a.status), ' — ', name(a.reason), h('span', { class: 'hint' }, ` ${formatUtc(Date.parse(a.recordedAt))}${a.recordedBy ? `, ${a.recordedBy}` : ''}`)),
            ),
          )
        : null,
      this.actions(item),
    );
  }

  /** What the report says, in words. */
  body(item) {
    const { actors, positions } = this.context;
    const d = item.data;
    const actor = (id) => actorName(actors, id);
    const list = (ids, each) => (ids ?? []).map((id, i) => [i > 0 ? (i === ids.length - 1 ? ' and ' : ', ') : '', each(id)]);
    const place = (id) => {
      const p = positions.get(id);
      return p ? [name(p.name), p.nameAr ? [' ', name(p.nameAr, { arabic: true })] : null] : name(id);
    };
    let text;
    switch (item.type) {
      case 'AttackLaunched':
        text = [list(d.attackers, actor), ' attack', d.defenders?.length ? [' ', list(d.defenders, actor)] : null, d.targets?.length ? [' at ', list(d.targets, place)] : null, d.origin ? [' from ', name(d.origin)] : null];
        break;
      case 'PositionCaptured':
        text = [actor(d.by), ' captures ', list(d.positions, place)];
        break;
      case 'CounterattackLaunched':
        text = [actor(d.by), ' strikes back', d.against ? [' at ', actor(d.against)] : null, d.targets?.length ? [' on ', list(d.targets, place)] : null];
        break;
      case 'ForcesRetreated':
        text = [actor(d.by), ' withdraws from ', list(d.positions, place), d.yieldedTo ? [', leaving them to ', actor(d.yieldedTo)] : ', leaving them to nobody'];
        break;
      case 'CasualtiesReported':
        text = [d.actor ? [actor(d.actor), ': '] : 'Casualties: ', figure('killed', d.killed), d.wounded ? ['; ', figure('wounded', d.wounded)] : null];
        break;
      default:
        text = [item.type];
    }
    return h('div', { class: 'report-body' }, h('p', { class: 'says' }, text), d.notes ? h('p', { class: 'notes' }, name(d.notes)) : null);
  }

  sources(item) {
    return h(
      'ul',
      { class: 'sources', 'aria-label': 'Sources' },
      item.sources.map((s) =>
        h(
          'li',
          { class: s.protected ? 'source protected' : 'source' },
          s.protected && s.name === undefined ? h('span', { class: 'protected-name' }, 'Protected source') : name(s.name),
          s.protected && s.name !== undefined ? h('span', { class: 'badge protected-mark' }, 'protected') : null,
          ` · ${s.kind} · `,
          h('abbr', { class: 'rating', title: `${RELIABILITY[s.reliability] ?? s.reliability}; ${CREDIBILITY[s.credibility] ?? s.credibility}` }, `${s.reliability}${s.credibility}`),
          s.reportedAt ? ` · published ${formatUtc(Date.parse(s.reportedAt))}` : null,
          s.url ? [' · ', h('a', { href: s.url, rel: 'noopener noreferrer', target: '_blank' }, 'link')] : null,
        ),
      ),
    );
  }

  /** Confirm, dispute or refute, with a reason: for editors, on reports not retracted. */
  actions(item) {
    if (!this.context.canAssess || item.retracted) return null;
    const holder = h('div', { class: 'actions' });
    for (const { status, verb } of ASSESSMENTS) {
      if (item.status === status) continue;
      holder.append(h('button', { type: 'button', class: `assess assess-${status}`, onclick: () => this.openForm(item, status, verb, holder) }, verb));
    }
    return holder;
  }

  openForm(item, status, verb, holder) {
    holder.querySelector('form')?.remove();
    const reasonId = `reason-${item.eventId}-${status}`;
    const error = h('p', { class: 'form-error', role: 'alert' });
    const reason = h('textarea', { id: reasonId, required: true, maxlength: 2000, rows: 2 });
    const form = h(
      'form',
      { class: 'assess-form', dataset: { status } },
      h('label', { for: reasonId }, `Why ${verb.toLowerCase()} this report?`),
      reason,
      h('div', { class: 'form-buttons' }, h('button', { type: 'submit' }, `${verb} report`), h('button', { type: 'button', onclick: () => form.remove() }, 'Cancel')),
      error,
    );
    form.addEventListener('submit', async (event) => {
      event.preventDefault();
      if (reason.value.trim() === '') {
        error.textContent = 'A reason is required.';
        return;
      }
      for (const button of form.querySelectorAll('button')) button.disabled = true;
      try {
        const answer = await api(`/neighbourhoods/${encodeURIComponent(this.context.neighbourhoodId)}/assessments`, {
          method: 'POST',
          body: { eventId: item.eventId, status, reason: reason.value },
        });
        form.remove();
        await this.onAssessed(answer.position);
      } catch (failure) {
        error.textContent = failure instanceof ApiError ? `${failure.message} (${failure.code})` : String(failure);
        for (const button of form.querySelectorAll('button')) button.disabled = false;
      }
    });
    holder.append(form);
    reason.focus();
  }

  /** The accepted reports conflicting claims contradict: from the pages shown, else fetched by id. */
  async fillContradicted(signal) {
    const slots = [...this.list.querySelectorAll('.contradicted-report')].filter((slot) => slot.dataset.filled !== 'yes');
    const missing = [...new Set(slots.map((slot) => slot.dataset.eventId).filter((id) => !this.items.has(id)))];
    const found = new Map();
    for (let i = 0; i < missing.length; i += 100) {
      const answer = await api(`/neighbourhoods/${encodeURIComponent(this.context.neighbourhoodId)}/timeline`, {
        parameters: { eventId: missing.slice(i, i + 100), knownAt: this.context.filters.knownAt, limit: 100 },
        signal,
      });
      for (const item of answer.items) found.set(item.eventId, item);
    }
    for (const slot of slots) {
      const item = this.items.get(slot.dataset.eventId) ?? found.get(slot.dataset.eventId);
      slot.dataset.filled = 'yes';
      if (item === undefined) {
        slot.replaceChildren(h('span', { class: 'hint' }, 'A report not known at this time'));
        continue;
      }
      const at = Date.parse(item.occurredAt);
      slot.replaceChildren(
        h(
          'div',
          { class: 'report-head' },
          h('span', { class: 'report-type' }, TYPE_LABELS[item.type] ?? item.type),
          ' ',
          h('button', { type: 'button', class: 'link when', onclick: () => this.onSeek(at) }, formatUtc(at)),
          ' ',
          h('span', { class: `badge standing standing-${item.standing}` }, item.standing),
          ' ',
          h('span', { class: `badge status status-${item.status}` }, item.status),
        ),
        this.body(item),
        this.sources(item),
      );
    }
  }
}

function figure(label, f) {
  if (f === undefined || f === null) return null;
  const range = f.low !== undefined && f.high !== undefined ? ` (${f.low}–${f.high})` : f.low !== undefined ? ` (at least ${f.low})` : '';
  return `${f.best} ${label}${range}`;
}

function shortLabel(item) {
  return `${TYPE_LABELS[item.type] ?? item.type} of ${formatUtc(Date.parse(item.occurredAt))}`;
}

/** Whether a report counts in the view, and why not (DESIGN.md, "Perspectives"). */
function countsInView(item, context) {
  if (item.retracted) return { counts: false, why: 'retracted: counts nowhere' };
  if (item.status === 'refuted') return { counts: false, why: 'refuted: counts nowhere' };
  const { perspective } = context;
  if (item.standing === 'conflicting' && perspective.claims !== 'all') return { counts: false, why: 'not in the accepted timeline' };
  const minReliability = perspective.minReliability;
  const minCredibility = perspective.minCredibility === undefined ? undefined : Number(perspective.minCredibility);
  if (minReliability !== undefined || minCredibility !== undefined) {
    const one = item.sources.some((s) => (minReliability === undefined || s.reliability <= minReliability) && (minCredibility === undefined || s.credibility <= minCredibility));
    if (!one) return { counts: false, why: 'outside this perspective' };
  }
  return { counts: true };
}

function describeFilters(context) {
  const parts = [];
  const { filters } = context;
  if (filters.knownAt) parts.push(`recorded by ${formatUtc(Date.parse(filters.knownAt))}`);
  if (filters.reportedBy) parts.push(`published by ${formatUtc(Date.parse(filters.reportedBy))}`);
  if (filters.source) parts.push(`citing ${filters.source}`);
  if (filters.status) parts.push(`${filters.status} only`);
  return parts.length === 0 ? 'Every report, in the order it happened.' : `Reports ${parts.join(', ')}, in the order they happened.`;
}
