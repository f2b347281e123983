import { allPages } from './api.js';
import { h, name } from './dom.js';

/** The actor registry, read once per sign-in: names, Arabic names and sides. */
let registry;

export async function loadActors({ signal } = {}) {
  if (registry === undefined) {
    const { items } = await allPages('/actors', {}, { signal });
    registry = new Map(items.map((actor) => [actor.id, actor]));
  }
  return registry;
}

export function forgetActors() {
  registry = undefined;
}

/** An actor's name as a node (its id when it is not registered; "nobody" for null). */
export function actorName(actors, id) {
  if (id === null || id === undefined) return h('span', { class: 'nobody' }, 'nobody');
  const actor = actors.get(id);
  return name(actor?.name ?? id);
}

/** An actor's name as text, for labels drawn on the map and the chart. */
export function actorText(actors, id) {
  if (id === null || id === undefined) return 'nobody';
  return actors.get(id)?.name ?? id;
}

/** A coloured square beside a name: the key to the map's and the chart's colours. */
export function swatch(colour, { contested = false } = {}) {
  return h('span', { class: contested ? 'swatch contested' : 'swatch', style: `background:${colour}`, 'aria-hidden': 'true' });
}
