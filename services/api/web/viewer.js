// The viewer's browser side: sign-in (authorization code + PKCE with the realm's public client), then the study
// list and study pages from the query API. Tokens stay in this tab's sessionStorage; files are fetched with the
// token and shown through blob: URLs, so no token ever appears in a URL.
import { authorizeUrl, challengeS256, codeGrant, randomString, refreshGrant } from './pkce.js';
import { courseView } from './course.js';
import { escapeHtml, listControls, statsTable, studyRows, studyView, timelineView, usageView } from './render.js';
import { gunzip, mountSlices, parseSliceStack } from './slices.js';

const main = document.querySelector('main');
const who = document.querySelector('#who');
const redirectUri = `${location.origin}${location.pathname}`;
let config;

const store = {
  get: (k) => sessionStorage.getItem(`mic.${k}`),
  set: (k, v) => sessionStorage.setItem(`mic.${k}`, v),
  drop: (...ks) => ks.forEach((k) => sessionStorage.removeItem(`mic.${k}`)),
};

function show(html) {
  main.innerHTML = html;
}

async function signIn() {
  const verifier = randomString();
  const state = randomString(16);
  store.set('verifier', verifier);
  store.set('state', state);
  store.set('return', location.hash || '#/');
  location.assign(
    authorizeUrl(config, { redirectUri, state, nonce: randomString(16), challenge: await challengeS256(verifier) }),
  );
}

function signOut() {
  const idToken = store.get('id');
  store.drop('access', 'refresh', 'id');
  const url = new URL(config.endSessionEndpoint);
  url.search = new URLSearchParams({
    client_id: config.clientId,
    post_logout_redirect_uri: redirectUri,
    ...(idToken ? { id_token_hint: idToken } : {}),
  });
  location.assign(url.toString());
}

async function tokenRequest(body) {
  const res = await fetch(config.tokenEndpoint, { method: 'POST', body });
  const json = await res.json().catch(() => ({}));
  if (!res.ok) throw new Error(json.error_description ?? json.error ?? `token endpoint answered ${res.status}`);
  store.set('access', json.access_token);
  if (json.refresh_token) store.set('refresh', json.refresh_token);
  if (json.id_token) store.set('id', json.id_token);
}

/** Back from the realm's login page with ?code=...&state=...: trade the code for tokens. */
async function finishSignIn(params) {
  const state = store.get('state');
  const verifier = store.get('verifier');
  store.drop('state', 'verifier');
  history.replaceState(null, '', `${location.pathname}${store.get('return') ?? '#/'}`);
  if (params.get('error'))
    throw new Error(`sign-in refused: ${params.get('error_description') ?? params.get('error')}`);
  if (!state || params.get('state') !== state)
    throw new Error('sign-in answer does not match this tab (state); sign in again');
  await tokenRequest(codeGrant(config, { code: params.get('code'), redirectUri, verifier }));
}

/** A GET to the API with the token; one silent renewal on 401, then back to sign-in. */
async function api(path, asBlob = false) {
  for (let attempt = 0; ; attempt++) {
    const res = await fetch(path, { headers: { authorization: `Bearer ${store.get('access')}` } });
    if (res.status === 401 && attempt === 0 && store.get('refresh')) {
      try {
        await tokenRequest(refreshGrant(config, store.get('refresh')));
        continue;
      } catch {
        store.drop('access', 'refresh', 'id');
      }
    }
    if (res.status === 401) {
      store.drop('access');
      await signIn();
      throw new Error('signing in again');
    }
    if (!res.ok) {
      const body = await res.json().catch(() => ({}));
      throw new Error(body.error ?? `${path} answered ${res.status}`);
    }
    return asBlob ? res.blob() : res.json();
  }
}

const PAGE = 50;

async function listPage(params) {
  const page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  const category = params.get('category') ?? '';
  const minInvolvement = params.get('minInvolvement') ?? '';
  const query = new URLSearchParams({ limit: String(PAGE), offset: String((page - 1) * PAGE) });
  if (category) query.set('category', category);
  if (minInvolvement) query.set('minInvolvement', minInvolvement);
  const [list, stats] = await Promise.all([api(`/api/v1/studies?${query}`), api('/api/v1/stats?by=category')]);
  show(
    `<h2>Studies <small>${escapeHtml(list.total)} ${category ? `of category ${escapeHtml(category)}` : 'in your scope'}` +
      `${minInvolvement ? `, ${escapeHtml(minInvolvement)} % involved or more` : ''}</small></h2>` +
      statsTable(stats) +
      '<p><a href="#" id="export">Download results (CSV)</a> · <a href="#" id="export-course">Follow-ups (CSV)</a> · ' +
      '<a href="#/usage">Usage by society</a></p>' +
      listControls({ category, minInvolvement, page, pageSize: PAGE, total: list.total }) +
      '<table class="studies"><thead><tr><th>Study</th><th>Society</th><th>Patient (pseudonym)</th><th>Date</th>' +
      '<th>Status</th><th>RSNA category</th><th>Involvement</th><th>Since the CT before</th></tr></thead>' +
      `<tbody>${studyRows(list.studies)}</tbody></table>`,
  );
  document.querySelector('#export').addEventListener('click', (e) => {
    e.preventDefault();
    void download('/api/v1/export/results.csv', 'mic-results.csv');
  });
  document.querySelector('#export-course').addEventListener('click', (e) => {
    e.preventDefault();
    void download('/api/v1/export/course.csv', 'mic-course.csv');
  });
  const filter = () => {
    const next = new URLSearchParams();
    const chosen = { category: '#category', minInvolvement: '#involvement' };
    for (const [name, select] of Object.entries(chosen)) {
      const value = document.querySelector(select).value;
      if (value) next.set(name, value);
    }
    location.hash = `#/?${next}`;
  };
  for (const select of ['#category', '#involvement']) document.querySelector(select).addEventListener('change', filter);
}

async function download(href, name) {
  const url = URL.createObjectURL(await api(href, true));
  const a = Object.assign(document.createElement('a'), { href: url, download: name });
  a.click();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

async function studyPage(id) {
  const [study, timeline, course] = await Promise.all([
    api(`/api/v1/studies/${encodeURIComponent(id)}`),
    api(`/api/v1/studies/${encodeURIComponent(id)}/timeline`),
    // the course is a help, not the page: without it the study still shows
    api(`/api/v1/studies/${encodeURIComponent(id)}/course`).catch(() => null),
  ]);
  show(studyView(study) + courseView(course) + timelineView(timeline));
  for (const img of main.querySelectorAll('img[data-src]')) {
    api(img.dataset.src, true)
      .then((blob) => (img.src = URL.createObjectURL(blob)))
      .catch((err) =>
        img.replaceWith(Object.assign(document.createElement('p'), { className: 'error', textContent: err.message })),
      );
  }
  // The slice stack is several MB: fetched when asked for, not with the page.
  for (const host of main.querySelectorAll('div[data-slices]')) {
    host.querySelector('button').addEventListener('click', async (e) => {
      e.target.disabled = true;
      e.target.textContent = 'Loading the slices…';
      try {
        const blob = await api(host.dataset.slices, true);
        mountSlices(host, parseSliceStack(await gunzip(new Uint8Array(await blob.arrayBuffer()))));
      } catch (err) {
        host.innerHTML = `<p class="error">${escapeHtml(err.message)}</p>`;
      }
    });
  }
  for (const a of main.querySelectorAll('a[data-download]')) {
    a.addEventListener('click', (e) => {
      e.preventDefault();
      void download(a.dataset.download, a.dataset.name);
    });
  }
}

async function route() {
  try {
    if (location.hash === '#/usage') {
      show(usageView(await api('/api/v1/usage')));
      return;
    }
    const m = /^#\/studies\/([^/]+)$/.exec(location.hash);
    const query = location.hash.includes('?') ? location.hash.slice(location.hash.indexOf('?') + 1) : '';
    await (m ? studyPage(decodeURIComponent(m[1])) : listPage(new URLSearchParams(query)));
  } catch (err) {
    show(`<p class="error">${escapeHtml(err.message)}</p>`);
  }
}

async function start() {
  config = await (await fetch('/config.json')).json();
  const params = new URLSearchParams(location.search);
  try {
    if (params.has('code') || params.has('error')) await finishSignIn(params);
  } catch (err) {
    show(`<p class="error">${escapeHtml(err.message)}</p><p><button id="signin">Sign in</button></p>`);
    document.querySelector('#signin').addEventListener('click', () => void signIn());
    return;
  }
  if (!store.get('access')) {
    show(
      '<p>mic serves the de-identified chest CT studies of the societies and their analyses. Sign in to read them.</p><p><button id="signin">Sign in</button></p>',
    );
    document.querySelector('#signin').addEventListener('click', () => void signIn());
    return;
  }
  const me = await api('/api/v1/me').catch((err) => (show(`<p class="error">${escapeHtml(err.message)}</p>`), null));
  if (!me) return;
  who.innerHTML = `${escapeHtml(me.user)} · ${me.society ? `society ${escapeHtml(me.society)}` : 'all societies'} <button id="signout">Sign out</button>`;
  document.querySelector('#signout').addEventListener('click', signOut);
  addEventListener('hashchange', () => void route());
  await route();
}

void start();
