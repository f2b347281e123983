/**
 * Controllers' colours: the Okabe–Ito palette, told apart with the common colour-vision
 * deficiencies. Colour never carries meaning alone: the legend, the labels and the table name
 * every controller, and contested positions also have a dashed ring.
 */
const OKABE_ITO = ['#E69F00', '#56B4E9', '#009E73', '#0072B2', '#D55E00', '#CC79A7', '#F0E442', '#000000'];
export const NOBODY_COLOUR = '#FFFFFF';

/** A colour per actor, in the order given (the order they first hold something here), cycling beyond eight. */
export function coloursFor(actorIds) {
  const colours = new Map();
  for (const id of actorIds) if (!colours.has(id)) colours.set(id, OKABE_ITO[colours.size % OKABE_ITO.length]);
  return colours;
}

/** A text colour readable on `background`. */
export function inkOn(background) {
  const [r, g, b] = [1, 3, 5].map((i) => parseInt(background.slice(i, i + 2), 16) / 255);
  return 0.2126 * r + 0.7152 * g + 0.0722 * b > 0.45 ? '#000000' : '#FFFFFF';
}
