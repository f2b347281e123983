import { forgetActors } from './actors.js';
import { ApiError, api, session } from './api.js';
import { byId } from './dom.js';
import { NeighbourhoodList } from './neighbourhood-list.js';
import { NeighbourhoodView } from './neighbourhood-view.js';
import { readView, showView } from './state.js';

/**
 * The analyst console. Without a stored key it asks for one, then shows the view the address
 * names: the list of neighbourhoods, or one neighbourhood at an instant, as known at a time, in
 * a perspective.
 */
const tileUrl = document.querySelector('meta[name="tile-url"]')?.content || undefined;
/** The key's role: a promise, answered by GET /v1/me. */
let role;
let list;
let neighbourhood;
let listLoads;

function setStatus(text) {
  byId('status').textContent = text;
}

function showError(error) {
  if (error?.name === 'AbortError') return;
  if (error instanceof ApiError && error.status === 401) {
    signOut('Your key was refused: enter a valid one.');
    return;
  }
  const alert = byId('alert');
  alert.textContent = error instanceof ApiError ? `${error.message} (${error.code})` : String(error?.message ?? error);
  alert.hidden = false;
  setStatus('');
}

function clearError() {
  const alert = byId('alert');
  alert.hidden = true;
  alert.textContent = '';
}

function showOnly(id) {
  for (const section of ['sign-in', 'list-view', 'neighbourhood-view']) byId(section).hidden = section !== id;
}

function crumbs(view) {
  const nav = byId('crumbs');
  nav.replaceChildren();
  if (view.neighbourhood === undefined) return;
  const back = document.createElement('a');
  back.href = '/console/';
  back.textContent = 'All neighbourhoods';
  back.addEventListener('click', (event) => {
    if (event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
    event.preventDefault();
    showView({});
    void route();
  });
  nav.append(back);
}

/** Shows what the address names. */
async function route() {
  clearError();
  const view = readView();
  crumbs(view);
  byId('main').dataset.ready = 'no';
  try {
    if (view.neighbourhood === undefined) {
      showOnly('list-view');
      document.title = 'Neighbourhoods — incident timeline';
      setStatus('Loading the neighbourhoods…');
      list ??= new NeighbourhoodList({ open: (id) => openNeighbourhood(id) });
      listLoads?.abort();
      listLoads = new AbortController();
      await list.show(listLoads.signal);
      byId('main').dataset.ready = 'yes';
    } else {
      showOnly('neighbourhood-view');
      setStatus('Loading the neighbourhood…');
      neighbourhood ??= new NeighbourhoodView({ tileUrl, role, onError: showError });
      neighbourhood.setRole(role);
      await neighbourhood.show(view);
      neighbourhood.map.resize();
    }
    setStatus('');
  } catch (error) {
    showError(error);
  }
}

function openNeighbourhood(id) {
  showView({ neighbourhood: id });
  void route();
}

function signOut(message = '') {
  session.forget();
  forgetActors();
  role = undefined;
  byId('session').hidden = true;
  showOnly('sign-in');
  byId('sign-in-error').textContent = message;
  setStatus('');
  byId('api-key').focus();
}

/**
 * Shows the view with the stored key, and asks GET /v1/me for the key's role meanwhile (the
 * timeline waits for it to offer assessments); a refused key brings the sign-in back.
 */
async function start() {
  if (session.key() === null) {
    signOut();
    return;
  }
  role = api('/me').then(
    (me) => {
      byId('who').textContent = `Signed in as ${me.role}`;
      byId('session').hidden = false;
      return me.role;
    },
    (error) => {
      if (error instanceof ApiError && error.status === 401) signOut('This key is not known to the server.');
      else showError(error);
      return undefined;
    },
  );
  await route();
}

byId('sign-in-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const input = byId('api-key');
  session.store(input.value.trim());
  input.value = '';
  void start();
});
byId('sign-out').addEventListener('click', () => signOut());
byId('home-link').addEventListener('click', (event) => {
  if (session.key() === null || event.button !== 0 || event.metaKey || event.ctrlKey || event.shiftKey) return;
  event.preventDefault();
  showView({});
  void route();
});
window.addEventListener('popstate', () => {
  if (session.key() !== null) void route();
});
void start();
