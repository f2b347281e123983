/**
 * The view lives in the query string, under the API's own parameter names, so that a link
 * reproduces it: `neighbourhood` (the id), `asOf`, `knownAt`, and the perspective parameters of
 * /control (`reportedBy`, `status`, `minReliability`, `minCredibility`, `source`, `claims`).
 */
export const PERSPECTIVE_PARAMETERS = ['reportedBy', 'status', 'minReliability', 'minCredibility', 'source', 'claims'];
export const VIEW_PARAMETERS = ['neighbourhood', 'asOf', 'knownAt', ...PERSPECTIVE_PARAMETERS];

/** The view the address names; unknown parameters are ignored. */
export function readView(search = location.search) {
  const query = new URLSearchParams(search);
  const view = {};
  for (const name of VIEW_PARAMETERS) {
    const value = query.get(name);
    if (value !== null && value !== '') view[name] = value;
  }
  return view;
}

/** The address of a view. */
export function viewUrl(view) {
  const query = new URLSearchParams();
  for (const name of VIEW_PARAMETERS) {
    if (view[name] !== undefined && view[name] !== '') query.set(name, view[name]);
  }
  const text = query.toString();
  return `/console/${text === '' ? '' : `?${text}`}`;
}

/** Records a view in the address: a new history entry for a new place, a replacement while moving in time. */
export function showView(view, { replace = false } = {}) {
  const url = viewUrl(view);
  if (url === `${location.pathname}${location.search}`) return;
  if (replace) history.replaceState(null, '', url);
  else history.pushState(null, '', url);
}

/** The perspective parameters of a view, as /control and /control-history take them. */
export function perspectiveOf(view) {
  const perspective = {};
  for (const name of PERSPECTIVE_PARAMETERS) if (view[name] !== undefined) perspective[name] = view[name];
  return perspective;
}
