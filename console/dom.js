/**
 * Elements built from data with text nodes only: names, notes and sources come from reports and
 * are never parsed as HTML.
 */
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes)) {
    if (value === undefined || value === null || value === false) continue;
    if (name === 'class') element.className = value;
    else if (name === 'dataset') Object.assign(element.dataset, value);
    else if (name.startsWith('on') && typeof value === 'function') element.addEventListener(name.slice(2), value);
    else if (value === true) element.setAttribute(name, '');
    else element.setAttribute(name, String(value));
  }
  append(element, children);
  return element;
}

function append(element, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(element, child);
    else element.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function clear(element) {
  element.replaceChildren();
  return element;
}

export const byId = (id) => document.getElementById(id);

/**
 * A name as written, isolated from the text around it: Arabic (or any right-to-left) text
 * renders right to left, and cannot reorder the sentence it sits in.
 */
export function name(text, { arabic = false } = {}) {
  if (text === undefined || text === null || text === '') return null;
  return arabic ? h('bdi', { lang: 'ar', dir: 'rtl' }, text) : h('bdi', { dir: 'auto' }, text);
}
