// byline search page: the search box with autocomplete, results, paging,
// filters, and the query in the URL. Every string from the server is set
// with textContent, except a hit's snippet: the server HTML-escapes it and
// its only markup is <mark>, so it is the one innerHTML.
'use strict';

(function () {
  const PAGE = 10;
  const $ = (id) => document.getElementById(id);
  const form = $('search'), q = $('q'), list = $('suggestions');
  const results = $('results'), status = $('status'), error = $('error');
  const pager = $('pager'), prev = $('prev'), next = $('next');
  const intro = $('intro');
  const fields = ['from', 'to', 'source', 'sort'];
  let page = 1;
  let active = -1;             // highlighted suggestion, -1 = none
  let suggestTimer = 0;
  let suggestAbort = null;
  let searchAbort = null;
  let lastTyped = '';

  // ---- state <-> URL -------------------------------------------------
  function stateFromForm() {
    const s = { q: q.value.trim(), page: page };
    for (const f of fields) s[f] = $(f).value.trim();
    s.and = $('and').checked;
    return s;
  }

  function stateToForm(s) {
    q.value = s.q || '';
    for (const f of fields) $(f).value = s[f] || (f === 'sort' ? 'relevance' : '');
    $('and').checked = !!s.and;
    page = s.page || 1;
    if (s.from || s.to || s.source || (s.sort && s.sort !== 'relevance') || s.and)
      $('filters').open = true;
  }

  function stateFromURL() {
    const p = new URLSearchParams(location.search);
    const n = parseInt(p.get('page') || '1', 10);
    return {
      q: p.get('q') || '', page: n > 0 ? n : 1, from: p.get('from') || '',
      to: p.get('to') || '', source: p.get('source') || '',
      sort: p.get('sort') || 'relevance', and: p.get('and') === 'true',
    };
  }

  function urlOf(s) {
    const p = new URLSearchParams();
    if (s.q) p.set('q', s.q);
    if (s.page > 1) p.set('page', String(s.page));
    for (const f of fields)
      if (s[f] && !(f === 'sort' && s[f] === 'relevance')) p.set(f, s[f]);
    if (s.and) p.set('and', 'true');
    const qs = p.toString();
    return qs ? '/?' + qs : '/';
  }

  // ---- searching -----------------------------------------------------
  function fmtDate(iso) {
    if (!iso) return '';
    const d = new Date(iso);
    if (isNaN(d)) return iso;
    return d.toLocaleDateString(undefined,
      { year: 'numeric', month: 'short', day: 'numeric', timeZone: 'UTC' });
  }

  function showError(msg) {
    error.textContent = msg;
    error.hidden = !msg;
  }

  async function search(s, push) {
    if (push) history.pushState(s, '', urlOf(s));
    document.title = s.q ? s.q + ' – byline search' : 'byline search';
    showError('');
    if (!s.q) {
      results.replaceChildren();
      status.textContent = '';
      pager.hidden = true;
      intro.hidden = false;
      return;
    }
    intro.hidden = true;
    const p = new URLSearchParams({ q: s.q, k: String(PAGE),
                                    offset: String((s.page - 1) * PAGE) });
    for (const f of fields)
      if (s[f] && !(f === 'sort' && s[f] === 'relevance')) p.set(f, s[f]);
    if (s.and) p.set('and', 'true');
    if (searchAbort) searchAbort.abort();
    searchAbort = new AbortController();
    status.textContent = 'Searching…';
    let body;
    try {
      const r = await fetch('/search?' + p, { signal: searchAbort.signal });
      body = await r.json();
      if (!r.ok) throw new Error(body.error || ('HTTP ' + r.status));
    } catch (e) {
      if (e.name === 'AbortError') return;
      results.replaceChildren();
      status.textContent = '';
      pager.hidden = true;
      showError(e.message);
      return;
    }
    render(s, body);
  }

  function render(s, body) {
    const n = body.total;
    status.replaceChildren();
    const count = document.createElement('span');
    count.textContent = n.toLocaleString() + (n === 1 ? ' result' : ' results') +
      ' (' + (body.took_ms < 1 ? body.took_ms.toFixed(2) : body.took_ms.toFixed(1)) + ' ms)';
    status.append(count);
    if (body.query) {
      const parsed = document.createElement('span');
      parsed.className = 'parsed';
      parsed.textContent = ' · ' + body.query;
      status.append(parsed);
    }
    if (body.warning) {
      const w = document.createElement('span');
      w.className = 'warning';
      w.textContent = ' · ' + body.warning;
      status.append(w);
    }
    const items = body.hits.map((h) => {
      const li = document.createElement('li');
      li.className = 'hit';
      const h3 = document.createElement('h3');
      const a = document.createElement('a');
      if (h.title_html) a.innerHTML = h.title_html;   // escaped by the server; only <mark>
      else a.textContent = h.title || h.id;
      if (h.url && /^https?:\/\//i.test(h.url)) {
        a.href = h.url;
        a.rel = 'noopener noreferrer';
      } else {
        a.href = '/doc/' + encodeURIComponent(h.id);
        a.addEventListener('click', (ev) => { ev.preventDefault(); openDoc(h.id); });
      }
      h3.append(a);
      const meta = document.createElement('p');
      meta.className = 'meta';
      if (h.source) {
        const src = document.createElement('span');
        src.className = 'src';
        src.textContent = h.source;
        meta.append(src);
      }
      meta.append(document.createTextNode([fmtDate(h.date), h.id].filter(Boolean).join(' · ')));
      const snip = document.createElement('p');
      snip.className = 'snippet';
      snip.innerHTML = h.snippet;   // escaped by the server; only <mark>
      li.append(h3, meta, snip);
      return li;
    });
    results.replaceChildren(...items);
    const pages = Math.max(1, Math.ceil(Math.min(n, 10000 + PAGE) / PAGE));
    pager.hidden = n <= PAGE && s.page === 1;
    prev.disabled = s.page <= 1;
    next.disabled = s.page >= pages;
    $('page').textContent = 'Page ' + s.page + ' of ' + pages.toLocaleString();
  }

  async function openDoc(id) {
    const dlg = $('article');
    try {
      const r = await fetch('/doc/' + encodeURIComponent(id));
      const d = await r.json();
      if (!r.ok) throw new Error(d.error || ('HTTP ' + r.status));
      $('article-title').textContent = d.title || d.id;
      $('article-meta').textContent =
        [d.source, fmtDate(d.date), d.id].filter(Boolean).join(' · ');
      $('article-body').textContent = d.body;
      dlg.showModal();
    } catch (e) {
      showError(e.message);
    }
  }

  function submit() {
    closeSuggestions();
    page = 1;
    search(stateFromForm(), true);
  }

  // ---- autocomplete --------------------------------------------------
  function closeSuggestions() {
    clearTimeout(suggestTimer);
    if (suggestAbort) suggestAbort.abort();
    list.hidden = true;
    list.replaceChildren();
    active = -1;
    q.setAttribute('aria-expanded', 'false');
    q.removeAttribute('aria-activedescendant');
  }

  function setActive(i) {
    const items = list.children;
    if (!items.length) return;
    const m = items.length + 1;   // positions: -1 (the typed text) .. last
    active = ((i + 1) % m + m) % m - 1;
    for (let j = 0; j < items.length; j++)
      items[j].setAttribute('aria-selected', j === active ? 'true' : 'false');
    if (active >= 0) {
      q.value = items[active].dataset.value;
      q.setAttribute('aria-activedescendant', items[active].id);
    } else {
      q.value = lastTyped;
      q.removeAttribute('aria-activedescendant');
    }
  }

  async function suggest() {
    const text = q.value;
    lastTyped = text;
    if (!text.trim()) { closeSuggestions(); return; }
    if (suggestAbort) suggestAbort.abort();
    suggestAbort = new AbortController();
    let body;
    try {
      const r = await fetch('/suggest?' + new URLSearchParams({ q: text, k: '8' }),
                            { signal: suggestAbort.signal });
      if (!r.ok) return;
      body = await r.json();
    } catch (e) {
      return;
    }
    if (q.value !== text || document.activeElement !== q) return;
    showSuggestions(body.suggestions, text);
  }

  // The list for text: the words that complete it (not text itself), the
  // completion in bold.
  function showSuggestions(words, text) {
    const typed = text.toLowerCase();
    const items = words
      .filter((w) => w.toLowerCase() !== typed.trim())
      .map((w, i) => {
        const li = document.createElement('li');
        li.id = 'sugg-' + i;
        li.setAttribute('role', 'option');
        li.setAttribute('aria-selected', 'false');
        li.dataset.value = w;
        const cut = w.toLowerCase().startsWith(typed) ? text.length : 0;
        li.append(document.createTextNode(w.slice(0, cut)));
        const b = document.createElement('b');
        b.textContent = w.slice(cut);
        li.append(b);
        li.addEventListener('mousedown', (ev) => {
          ev.preventDefault();
          q.value = w;
          submit();
        });
        return li;
      });
    list.replaceChildren(...items);
    active = -1;
    q.removeAttribute('aria-activedescendant');
    list.hidden = items.length === 0;
    q.setAttribute('aria-expanded', items.length ? 'true' : 'false');
  }

  q.addEventListener('input', () => {
    // Until the new suggestions come, keep only those of the list shown
    // that still complete what is typed (a slow answer for a shorter
    // prefix must not stand for this one).
    if (!list.hidden) {
      const typed = q.value.toLowerCase();
      showSuggestions([...list.children].map((li) => li.dataset.value)
                        .filter((w) => w.toLowerCase().startsWith(typed)),
                      q.value);
    }
    clearTimeout(suggestTimer);
    suggestTimer = setTimeout(suggest, 120);
  });
  q.addEventListener('keydown', (ev) => {
    const open = !list.hidden;
    if (ev.key === 'ArrowDown') {
      ev.preventDefault();
      if (open) setActive(active + 1); else suggest();
    } else if (ev.key === 'ArrowUp') {
      if (open) { ev.preventDefault(); setActive(active - 1); }
    } else if (ev.key === 'Escape') {
      if (open) { ev.preventDefault(); q.value = active >= 0 ? q.value : lastTyped; closeSuggestions(); }
    } else if (ev.key === 'Enter') {
      ev.preventDefault();
      submit();
    }
  });
  q.addEventListener('blur', () => setTimeout(closeSuggestions, 100));

  form.addEventListener('submit', (ev) => { ev.preventDefault(); submit(); });
  for (const f of ['from', 'to', 'sort', 'and'])
    $(f).addEventListener('change', () => { if (q.value.trim()) submit(); });
  $('source').addEventListener('keydown', (ev) => {
    if (ev.key === 'Enter') { ev.preventDefault(); submit(); }
  });
  prev.addEventListener('click', () => {
    page = Math.max(1, page - 1);
    search(stateFromForm(), true);
    window.scrollTo(0, 0);
  });
  next.addEventListener('click', () => {
    page += 1;
    search(stateFromForm(), true);
    window.scrollTo(0, 0);
  });
  document.addEventListener('keydown', (ev) => {
    if (ev.key === '/' && document.activeElement !== q &&
        !/^(INPUT|SELECT|TEXTAREA)$/.test(document.activeElement.tagName)) {
      ev.preventDefault();
      q.focus();
      q.select();
    }
  });
  window.addEventListener('popstate', () => {
    const s = stateFromURL();
    stateToForm(s);
    closeSuggestions();
    search(s, false);
  });

  // ---- start ---------------------------------------------------------
  const initial = stateFromURL();
  stateToForm(initial);
  history.replaceState(initial, '', urlOf(initial));
  if (initial.q) search(initial, false); else q.focus();
  fetch('/stats').then((r) => r.ok ? r.json() : null).then((st) => {
    if (st) $('foot').textContent = 'byline ' + st.version + ' · ' +
      st.docs.toLocaleString() + ' articles · generation ' + st.generation;
  }).catch(() => {});
})();
