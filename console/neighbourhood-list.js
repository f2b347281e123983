import { actorName, actorText, loadActors, swatch } from './actors.js';
import { allPages } from './api.js';
import { byId, clear, h, name } from './dom.js';
import { coloursFor } from './palette.js';
import { formatUtc } from './time.js';

const percent = (fraction) => `${Math.round(fraction * 1000) / 10}%`;

/** The columns, each with how it sorts. */
const COLUMNS = [
  { key: 'name', label: 'Neighbourhood', value: (n) => n.name.toLocaleLowerCase() },
  { key: 'city', label: 'City', value: (n) => n.city.toLocaleLowerCase() },
  { key: 'majority', label: 'Majority controller', value: (n, actors) => (n.majorityController === null ? '\uffff' : actorText(actors, n.majorityController).toLocaleLowerCase()) },
  { key: 'shares', label: 'Shares', value: (n) => -Math.max(0, ...Object.values(n.shares)) },
  { key: 'contested', label: 'Contested positions', value: (n) => -n.contestedPositions },
  { key: 'last', label: 'Last event (UTC)', value: (n) => -(n.lastEventAt === null ? -Infinity : Date.parse(n.lastEventAt)) },
];

/** The sortable list of neighbourhoods, as known now. */
export class NeighbourhoodList {
  constructor({ open }) {
    this.open = open;
    this.sort = { key: 'name', descending: false };
    this.items = [];
    this.actors = new Map();
  }

  async show(signal) {
    const [list, actors] = await Promise.all([allPages('/neighbourhoods', {}, { signal }), loadActors({ signal })]);
    this.items = list.items;
    this.actors = actors;
    this.render();
  }

  render() {
    const column = COLUMNS.find((c) => c.key === this.sort.key);
    const sorted = [...this.items].sort((a, b) => {
      const [x, y] = [column.value(a, this.actors), column.value(b, this.actors)];
      const order = x < y ? -1 : x > y ? 1 : a.id < b.id ? -1 : 1;
      return this.sort.descending ? -order : order;
    });
    const head = clear(byId('neighbourhood-head'));
    for (const c of COLUMNS) {
      const active = c.key === this.sort.key;
      head.append(
        h(
          'th',
          { scope: 'col', 'aria-sort': active ? (this.sort.descending ? 'descending' : 'ascending') : 'none' },
          h(
            'button',
            {
              type: 'button',
              class: 'sort',
              dataset: { sort: c.key },
              onclick: () => {
                this.sort = { key: c.key, descending: active ? !this.sort.descending : false };
                this.render();
                document.querySelector(`button[data-sort="${c.key}"]`)?.focus();
              },
            },
            c.label,
            h('span', { class: 'sort-mark', 'aria-hidden': 'true' }, active ? (this.sort.descending ? ' ▼' : ' ▲') : ''),
          ),
        ),
      );
    }
    const colours = coloursFor(this.items.flatMap((n) => Object.keys(n.shares)));
    const rows = clear(byId('neighbourhood-rows'));
    for (const n of sorted) {
      const shares = Object.entries(n.shares).sort(([, a], [, b]) => b - a);
      rows.append(
        h(
          'tr',
          { dataset: { neighbourhood: n.id } },
          h(
            'th',
            { scope: 'row' },
            h('a', { href: `/console/?neighbourhood=${encodeURIComponent(n.id)}`, onclick: (event) => this.follow(event, n.id) }, name(n.name)),
            n.nameAr ? [' ', name(n.nameAr, { arabic: true })] : null,
          ),
          h('td', {}, name(n.city)),
          h('td', { class: 'majority' }, n.majorityController === null ? h('span', { class: 'nobody' }, 'none') : actorName(this.actors, n.majorityController)),
          h(
            'td',
            { class: 'shares' },
            shares.length === 0 ? h('span', { class: 'nobody' }, 'nobody holds anything') : null,
            shares.map(([actor, fraction]) => h('span', { class: 'share' }, swatch(colours.get(actor)), actorName(this.actors, actor), ` ${percent(fraction)}`)),
          ),
          h('td', { class: 'number' }, String(n.contestedPositions)),
          h('td', {}, n.lastEventAt === null ? '—' : formatUtc(Date.parse(n.lastEventAt), { withZone: false })),
        ),
      );
    }
    if (sorted.length === 0) rows.append(h('tr', {}, h('td', { colspan: COLUMNS.length }, 'No neighbourhood is registered yet.')));
  }

  follow(event, id) {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
    event.preventDefault();
    this.open(id);
  }
}
