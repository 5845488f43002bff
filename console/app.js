/**
 * The sanso console: a zone matrix, flow decisions, change-request checks and exceptions, all
 * read from the HTTP API with the signed-in token (docs/console.md). No build step: preact and
 * htm are served as ES modules from /console/vendor/. Nothing here decides anything: every
 * colour, label and verdict is the server's answer, so the console cannot disagree with the API.
 */
import { h, render, Component } from '/console/vendor/preact.mjs';
import htm from '/console/vendor/htm.mjs';
import { preferredLang, tr } from '/console/strings.js';

const html = htm.bind(h);

/** Kinds in the order of the legend; each has a symbol so that colour is never the only cue. */
const KINDS = ['exception', 'breakout', 'sanitized', 'direct', 'ceiling', 'explicit-deny', 'no-grant'];
const SYMBOL = {
  exception: '!',
  breakout: '↗',
  sanitized: '⇄',
  direct: '✓',
  ceiling: '⊘',
  'explicit-deny': '✕',
  'no-grant': '–',
};

const TOKEN_KEY = 'sanso-console-token';
const LANG_KEY = 'sanso-console-lang';
const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

function storage(key, value) {
  try {
    if (value === undefined) return sessionStorage.getItem(key);
    if (value === null) sessionStorage.removeItem(key);
    else sessionStorage.setItem(key, value);
  } catch {
    // storage disabled: the session lasts as long as the page
  }
  return null;
}

/** What a change of token forgets: everything read with the previous one. */
const FRESH = {
  view: 'matrix',
  policy: null,
  matrix: null,
  matrixError: null,
  pair: null,
  segMatrix: null,
  cell: null,
  exceptions: null,
  exceptionsError: null,
  ask: { src: '', dst: '', service: '', result: null, error: null, tried: null },
  check: { text: '', result: null, error: null },
};

class App extends Component {
  constructor() {
    super();
    const lang = storage(LANG_KEY) || preferredLang(navigator.languages || [navigator.language]);
    this.state = {
      lang,
      token: storage(TOKEN_KEY),
      view: 'matrix',
      auth: 'unknown', // unknown | open | signed-in | needed
      policy: null,
      matrix: null, // the tier answer (and the whole city when small)
      matrixError: null,
      pair: null, // { src, dst } or 'all'
      segMatrix: null,
      cell: null, // { row, col, summary }
      exceptions: null,
      exceptionsError: null,
      ask: { src: '', dst: '', service: '', result: null, error: null, tried: null },
      check: { text: '', result: null, error: null },
      signInError: null,
    };
  }

  t(key, vars) {
    return tr(this.state.lang, key, vars);
  }

  componentDidMount() {
    document.documentElement.lang = this.state.lang;
    document.title = this.t('title');
    this.load();
  }

  componentDidUpdate() {
    document.documentElement.lang = this.state.lang;
    document.title = this.t('title');
  }

  async api(method, path, body) {
    const headers = { accept: 'application/json', 'accept-language': this.state.lang };
    if (this.state.token) headers.authorization = `Bearer ${this.state.token}`;
    if (body !== undefined) headers['content-type'] = 'application/json';
    const r = await fetch(path, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) });
    let data = null;
    try {
      data = await r.json();
    } catch {
      data = null;
    }
    return { status: r.status, ok: r.ok, data };
  }

  /** Who we are (open, signed in, or not), then the policy, the matrix and the exceptions. */
  async load() {
    const pol = await this.api('GET', '/v1/policy');
    if (pol.status === 401) {
      this.setState({ auth: 'needed', policy: null, signInError: this.state.token ? this.t('badToken') : null });
      return;
    }
    this.setState({ auth: this.state.token ? 'signed-in' : 'open', policy: pol.ok ? pol.data : null, signInError: null });
    const [m, ex] = await Promise.all([this.api('GET', '/v1/matrix'), this.api('GET', '/v1/exceptions')]);
    this.setState({
      matrix: m.ok ? m.data : null,
      matrixError: m.ok ? null : m.status === 403 ? 'needsReadPolicy' : m.data?.detail || String(m.status),
      exceptions: ex.ok ? ex.data : null,
      exceptionsError: ex.ok ? null : ex.status === 403 ? 'needsReadPolicy' : ex.data?.detail || String(ex.status),
    });
  }

  signIn(token) {
    storage(TOKEN_KEY, token);
    this.setState({ token, ...FRESH }, () => this.load());
  }

  signOut() {
    storage(TOKEN_KEY, null);
    this.setState({ token: null, ...FRESH }, () => this.load());
  }

  switchLang() {
    const lang = this.state.lang === 'ja' ? 'en' : 'ja';
    storage(LANG_KEY, lang);
    this.setState({ lang });
  }

  async openPair(src, dst) {
    const pair = src === null ? 'all' : { src, dst };
    this.setState({ pair, segMatrix: null, cell: null });
    if (src === null) {
      this.setState({ segMatrix: this.state.matrix.segmentMatrix ?? false });
      return;
    }
    const r = await this.api('GET', `/v1/matrix?src=${encodeURIComponent(src)}&dst=${encodeURIComponent(dst)}`);
    // null from the server: a side has more segments than it draws (segmentLimit).
    if (r.ok) this.setState({ segMatrix: r.data.segmentMatrix ?? false });
  }

  /** A segment or service name → what decide takes; addresses and protocol/port pass as typed. */
  resolveName(text, kind) {
    const v = text.trim();
    const m = this.state.matrix;
    if (kind === 'service') {
      const s = m?.services.find((x) => x.name === v);
      return s ? s.witness : v;
    }
    if (IPV4.test(v) || v.includes(':')) return v;
    const all = m?.segmentMatrix?.rows;
    const seg = all?.find((s) => s.name === v);
    if (seg?.witness) return seg.witness;
    return null;
  }

  async decide(src, dst, service) {
    const ask = { ...this.state.ask, src, dst, service, result: null, error: null, tried: null };
    this.setState({ view: 'ask', ask });
    const a = this.resolveName(src, 'address');
    const b = this.resolveName(dst, 'address');
    const svc = this.resolveName(service, 'service');
    const bad = a === null ? src : b === null ? dst : null;
    if (bad !== null) {
      this.setState({ ask: { ...ask, error: this.state.matrix ? this.t('unknownName', { name: bad }) : this.t('namesNeedReadPolicy') } });
      return;
    }
    const r = await this.api('POST', '/v1/decide', { src: a, dst: b, service: svc });
    if (r.ok) this.setState({ ask: { ...ask, result: r.data, tried: { src: a, dst: b, service: svc } } });
    else this.setState({ ask: { ...ask, error: r.status === 403 ? this.t('needsScope', { scope: 'decide' }) : r.data?.detail || String(r.status) } });
  }

  async runCheck(text) {
    let body;
    try {
      body = JSON.parse(text);
    } catch (e) {
      this.setState({ check: { text, result: null, error: this.t('checkInvalidJson', { error: e.message }) } });
      return;
    }
    const r = await this.api('POST', '/v1/check', body);
    if (r.ok) this.setState({ check: { text, result: r.data, error: null } });
    else {
      const errs = r.data?.errors?.map((e) => `${e.field}: ${e.message}`).join('\n');
      const detail = r.status === 403 ? this.t('needsScope', { scope: 'check' }) : errs || r.data?.detail || String(r.status);
      this.setState({ check: { text, result: null, error: detail } });
    }
  }

  render() {
    const s = this.state;
    const t = (k, v) => this.t(k, v);
    return html`
      <a class="skip" href="#main">${t('skip')}</a>
      <header class="top">
        <div class="brand">
          <span class="logo" aria-hidden="true">三層</span>
          <div>
            <h1>${t('title')}</h1>
            <p class="sub">${s.policy ? s.policy.name : t('subtitle')}</p>
          </div>
        </div>
        <div class="tools">
          <${Status} app=${this} />
          <button type="button" class="ghost" lang=${s.lang === 'ja' ? 'en' : 'ja'} onClick=${() => this.switchLang()} aria-label=${`${t('language')}: ${t('switchTo')}`}>${t('switchTo')}</button>
          ${s.token ? html`<button type="button" class="ghost" onClick=${() => this.signOut()}>${t('signOut')}</button>` : null}
          <a class="ghost" href="/docs/ui/">${t('apiDocs')}</a>
        </div>
      </header>
      ${
        s.auth === 'needed'
          ? html`<main id="main"><${SignIn} app=${this} /></main>`
          : html`
            <nav class="tabs" aria-label=${t('title')}>
              ${['matrix', 'ask', 'check', 'exceptions', 'policy'].map(
                (v) =>
                  html`<button type="button" class=${s.view === v ? 'tab on' : 'tab'} aria-current=${s.view === v ? 'page' : null} onClick=${() => this.setState({ view: v })}>${t(`nav${v[0].toUpperCase()}${v.slice(1)}`)}</button>`,
              )}
            </nav>
            <main id="main">
              ${s.view === 'matrix' ? html`<${MatrixView} app=${this} />` : null}
              ${s.view === 'ask' ? html`<${AskView} app=${this} />` : null}
              ${s.view === 'check' ? html`<${CheckView} app=${this} />` : null}
              ${s.view === 'exceptions' ? html`<${ExceptionsView} app=${this} />` : null}
              ${s.view === 'policy' ? html`<${PolicyView} app=${this} />` : null}
            </main>
          `
      }
    `;
  }
}

function Status({ app }) {
  const s = app.state;
  const t = (k, v) => app.t(k, v);
  const who = s.auth === 'open' ? t('openMode') : s.auth === 'signed-in' ? t('signedIn') : '';
  const version = s.policy?.version ? s.policy.version.replace(/^sha256:/, '').slice(0, 12) : null;
  return html`<p class="status">
    ${version ? html`<span class="pill" title=${s.policy.version}>${t('version')} <code>${version}</code></span>` : null}
    ${s.policy?.asOf ? html`<span class="pill">${t('asOf')} ${s.policy.asOf}</span>` : null}
    ${who ? html`<span class="pill who">${who}</span>` : null}
  </p>`;
}

class SignIn extends Component {
  render({ app }) {
    const t = (k, v) => app.t(k, v);
    const submit = (e) => {
      e.preventDefault();
      const token = e.target.elements.token.value.trim();
      if (token) app.signIn(token);
    };
    return html`<section class="card narrow" aria-labelledby="signin-h">
      <h2 id="signin-h">${t('signIn')}</h2>
      <p>${t('signInNeeded')}</p>
      <form onSubmit=${submit}>
        <label for="token">${t('tokenLabel')}</label>
        <input id="token" name="token" type="password" autocomplete="off" required />
        <p class="help">${t('tokenHelp')}</p>
        ${app.state.signInError ? html`<p class="error" role="alert">${app.state.signInError}</p>` : null}
        <button type="submit" class="primary">${t('signIn')}</button>
      </form>
    </section>`;
  }
}

function Legend({ app }) {
  return html`<div class="legend" role="group" aria-label=${app.t('legend')}>
    <span class="legend-title">${app.t('legend')}</span>
    ${KINDS.map((k) => html`<span class=${`chip k-${k}`}><span class="sym" aria-hidden="true">${SYMBOL[k]}</span> ${app.t(`kind_${k}`)}</span>`)}
  </div>`;
}

function MatrixView({ app }) {
  const s = app.state;
  const t = (k, v) => app.t(k, v);
  if (s.matrixError === 'needsReadPolicy') return html`<section class="card notice" role="status"><h2>${t('navMatrix')}</h2><p>${t('needsReadPolicy')}</p></section>`;
  if (s.matrixError) return html`<p class="error" role="alert">${s.matrixError}</p>`;
  if (!s.matrix) return html`<p class="loading">${t('loading')}</p>`;
  const m = s.matrix;
  const byPair = new Map(m.tierCells.map((c) => [`${c.src}>${c.dst}`, c]));
  const tierName = (x) => t(`tier_${x}`);
  const selected = (a, b) => s.pair !== null && s.pair !== 'all' && s.pair.src === a && s.pair.dst === b;
  return html`
    <section class="card" aria-labelledby="tier-h">
      <div class="card-head">
        <h2 id="tier-h">${t('tierMatrixTitle')}</h2>
        ${m.segmentMatrix ? html`<button type="button" class="ghost" onClick=${() => app.openPair(null, null)}>${t('wholeCity')}</button>` : null}
      </div>
      <p class="help">${t('tierMatrixHelp')}</p>
      <${Legend} app=${app} />
      <div class="scroll">
        <table class="matrix tiers" id="tier-matrix">
          <caption class="sr-only">${t('tierMatrixTitle')}</caption>
          <thead>
            <tr><th scope="col" class="corner">${t('srcHeader')}</th>${m.tiers.map((d) => html`<th scope="col">${tierName(d)}</th>`)}</tr>
          </thead>
          <tbody>
            ${m.tiers.map(
              (a) => html`<tr>
                <th scope="row">${tierName(a)}</th>
                ${m.tiers.map((b) => {
                  const c = byPair.get(`${a}>${b}`);
                  if (!c) return html`<td></td>`;
                  const n = Object.values(c.counts).reduce((x, y) => x + y, 0);
                  const detail = [...c.methods.map((x) => t(`method_${x}`)), ...c.ceilings].join(', ');
                  return html`<td>
                    <button type="button" class=${`cell k-${c.kind}${selected(a, b) ? ' sel' : ''}`} data-src=${a} data-dst=${b} data-kind=${c.kind}
                      aria-pressed=${selected(a, b) ? 'true' : 'false'}
                      onClick=${() => app.openPair(a, b)}>
                      <span class="sr-only">${tierName(a)} → ${tierName(b)}: ${t(`kind_${c.kind}`)}, </span>
                      <span class="sym" aria-hidden="true">${SYMBOL[c.kind]}</span>
                      <span class="lbl">${t(`short_${c.kind}`)}</span>
                      ${detail ? html`<span class="det">${detail}</span>` : null}
                      <span class="cnt">${t('pairs', { n })}</span>
                    </button>
                  </td>`;
                })}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>
    ${s.pair ? html`<${SegmentMatrix} app=${app} />` : null}
  `;
}

function SegmentMatrix({ app }) {
  const s = app.state;
  const t = (k, v) => app.t(k, v);
  const sm = s.segMatrix;
  const title = s.pair === 'all' ? t('wholeCityTitle') : t('segmentMatrixTitle', { src: t(`tier_${s.pair.src}`), dst: t(`tier_${s.pair.dst}`) });
  if (!sm) {
    return html`<section class="card"><h2>${title}</h2><p>${sm === false ? t('tooMany', { n: s.matrix.segmentLimit }) : t('loading')}</p></section>`;
  }
  const isSel = (i, j) => s.cell && s.cell.i === i && s.cell.j === j;
  return html`<div class="split">
    <section class="card grow" aria-labelledby="seg-h">
      <h2 id="seg-h">${title}</h2>
      <div class="scroll">
        <table class="matrix segs" id="segment-matrix" data-pair=${s.pair === 'all' ? 'all' : `${s.pair.src}>${s.pair.dst}`}>
          <caption class="sr-only">${title}</caption>
          <thead><tr><th scope="col" class="corner">${t('srcHeader')}</th>${sm.cols.map((c) => html`<th scope="col" class="vert"><span>${c.name}</span></th>`)}</tr></thead>
          <tbody>
            ${sm.rows.map(
              (r, i) => html`<tr>
                <th scope="row">${r.name}</th>
                ${sm.cols.map((c, j) => {
                  const sum = sm.summaries[sm.cells[i][j]];
                  return html`<td><button type="button" class=${`dot k-${sum.kind}${isSel(i, j) ? ' sel' : ''}`} data-src=${r.name} data-dst=${c.name} data-kind=${sum.kind}
                    aria-pressed=${isSel(i, j) ? 'true' : 'false'}
                    aria-label=${`${r.name} → ${c.name}: ${t(`kind_${sum.kind}`)}`} title=${`${r.name} → ${c.name}: ${t(`kind_${sum.kind}`)}`}
                    onClick=${() => app.setState({ cell: { i, j, row: r, col: c, summary: sum } })}><span aria-hidden="true">${SYMBOL[sum.kind]}</span></button></td>`;
                })}
              </tr>`,
            )}
          </tbody>
        </table>
      </div>
    </section>
    ${s.cell ? html`<${CellDetail} app=${app} />` : null}
  </div>`;
}

function CellDetail({ app }) {
  const { row, col, summary } = app.state.cell;
  const t = (k, v) => app.t(k, v);
  return html`<aside class="card detail" id="cell-detail" aria-labelledby="cell-h" data-cell=${`${row.name}>${col.name}`}>
    <div class="card-head">
      <h2 id="cell-h">${t('cellTitle', { src: row.name, dst: col.name })}</h2>
      <button type="button" class="ghost" onClick=${() => app.setState({ cell: null })}>${t('close')}</button>
    </div>
    <p><span class=${`chip k-${summary.kind}`}><span class="sym" aria-hidden="true">${SYMBOL[summary.kind]}</span> ${t(`kind_${summary.kind}`)}</span></p>
    <ol class="entries">
      ${summary.entries.map(
        (e) => html`<li class="entry" data-code=${e.code} data-decision=${e.decision}>
          <p class="entry-head"><span class=${`chip k-${e.kind}`}><span class="sym" aria-hidden="true">${SYMBOL[e.kind]}</span> ${t(`kind_${e.kind}`)}</span> <code>${e.code}</code></p>
          <dl>
            <dt>${t('services')}</dt><dd>${e.services.join(', ')}</dd>
            <dt>${t('rule')}</dt><dd>${e.rule ?? t('none')}</dd>
            ${e.method ? html`<dt>${t('method')}</dt><dd>${t(`method_${e.method}`)}</dd>` : null}
            ${e.expires ? html`<dt>${t('expires')}</dt><dd>${e.expires}</dd>` : null}
            <dt>${t('clause')}</dt><dd class="clause">${e.clause ?? t('none')}</dd>
            <dt>${t('witness')}</dt>
            <dd class="witness" data-src=${row.witness ?? ''} data-dst=${col.witness ?? ''} data-service=${e.witnessService}>
              ${
                row.witness && col.witness
                  ? html`<code>${row.witness} → ${col.witness} ${e.witnessService}</code>
                    <button type="button" class="link" onClick=${() => app.decide(row.witness, col.witness, e.witnessService)}>${t('askThis')}</button>`
                  : t('none')
              }
            </dd>
          </dl>
        </li>`,
      )}
    </ol>
  </aside>`;
}

function Field({ id, label, value, list, onInput }) {
  return html`<div class="field"><label for=${id}>${label}</label><input id=${id} name=${id} value=${value} list=${list} onInput=${onInput} autocomplete="off" spellcheck="false" /></div>`;
}

function AskView({ app }) {
  const s = app.state;
  const a = s.ask;
  const t = (k, v) => app.t(k, v);
  const set = (k) => (e) => app.setState({ ask: { ...app.state.ask, [k]: e.target.value } });
  const submit = (e) => {
    e.preventDefault();
    const f = app.state.ask;
    app.decide(f.src, f.dst, f.service);
  };
  const segs = s.matrix?.segmentMatrix?.rows ?? [];
  const r = a.result;
  return html`<section class="card" aria-labelledby="ask-h">
    <h2 id="ask-h">${t('askTitle')}</h2>
    <p class="help">${t('askHelp')}</p>
    <form class="row" id="ask-form" onSubmit=${submit}>
      <${Field} id="ask-src" label=${t('src')} value=${a.src} list="segment-names" onInput=${set('src')} />
      <${Field} id="ask-dst" label=${t('dst')} value=${a.dst} list="segment-names" onInput=${set('dst')} />
      <${Field} id="ask-service" label=${t('service')} value=${a.service} list="service-names" onInput=${set('service')} />
      <button type="submit" class="primary">${t('decide')}</button>
      <datalist id="segment-names">${segs.map((x) => html`<option value=${x.name}></option>`)}</datalist>
      <datalist id="service-names">${(s.matrix?.services ?? []).map((x) => html`<option value=${x.name}>${x.services.join(', ')}</option>`)}</datalist>
    </form>
    ${a.error ? html`<p class="error" role="alert">${a.error}</p>` : null}
    ${
      r
        ? html`<div class="result" id="ask-result" aria-live="polite" data-code=${r.code} data-decision=${r.decision}>
          <p class=${`verdict ${r.decision}`}><span aria-hidden="true">${r.decision === 'allow' ? '✓' : '✕'}</span> ${t(r.decision === 'allow' ? 'decisionAllow' : 'decisionDeny')} <code>${r.code}</code></p>
          <p class="help">${t('tried', a.tried)}</p>
          <dl>
            <dt>${t('message')}</dt><dd>${r.message}</dd>
            <dt>${t('rule')}</dt><dd>${r.rule ?? t('none')}</dd>
            <dt>${t('clause')}</dt><dd>${r.clause ?? t('none')}</dd>
            <dt>${t('path')}</dt><dd>${r.path}</dd>
            <dt>${t('from')}</dt><dd>${r.src?.segment ?? t('none')} (${r.src?.tier ? t(`tier_${r.src.tier}`) : ''})</dd>
            <dt>${t('to')}</dt><dd>${r.dst?.segment ?? t('none')} (${r.dst?.tier ? t(`tier_${r.dst.tier}`) : ''})</dd>
            ${r.sanitizer ? html`<dt>${t('sanitizer')}</dt><dd>${r.sanitizer.segment} (${t(`method_${r.sanitizer.method}`)})</dd>` : null}
            <dt>${t('version')}</dt><dd><code>${r.policyVersion}</code></dd>
          </dl>
        </div>`
        : null
    }
  </section>`;
}

const EXAMPLE_CHANGE = JSON.stringify({ id: 'CR-2026-0042', rules: [{ src: ['lg-terminals'], dst: ['0.0.0.0/0'], services: ['tcp/443'], action: 'allow' }] }, null, 2);

function CheckView({ app }) {
  const c = app.state.check;
  const t = (k, v) => app.t(k, v);
  const submit = (e) => {
    e.preventDefault();
    app.runCheck(e.target.elements['check-text'].value);
  };
  const r = c.result;
  return html`<section class="card" aria-labelledby="check-h">
    <h2 id="check-h">${t('checkTitle')}</h2>
    <p class="help">${t('checkHelp')}</p>
    <form id="check-form" onSubmit=${submit}>
      <label for="check-text">${t('checkTitle')} (JSON)</label>
      <textarea id="check-text" name="check-text" rows="10" spellcheck="false" value=${c.text || EXAMPLE_CHANGE}></textarea>
      <button type="submit" class="primary">${t('checkRun')}</button>
    </form>
    ${c.error ? html`<pre class="error" role="alert">${c.error}</pre>` : null}
    ${
      r
        ? html`<div class="result" id="check-result" aria-live="polite" data-verdict=${r.verdict}>
          <p class=${`verdict ${r.verdict === 'compliant' ? 'allow' : 'deny'}`}>${t('verdict')}: ${t(`verdict_${r.verdict}`)} <code>${r.verdict}</code></p>
          ${r.rules.map(
            (rule) => html`<div class="rule-result">
              <h3>${t('ruleN', { n: rule.index })}: ${t(`verdict_${rule.verdict}`)}</h3>
              ${
                rule.findings.length === 0
                  ? html`<p>${t('noFindings')}</p>`
                  : html`<table class="list">
                    <thead><tr><th scope="col">${t('code')}</th><th scope="col">${t('from')}</th><th scope="col">${t('to')}</th><th scope="col">${t('witness')}</th><th scope="col">${t('clause')}</th><th scope="col">${t('message')}</th></tr></thead>
                    <tbody>${rule.findings.map(
                      (f) =>
                        html`<tr><td><code>${f.code}</code></td><td>${f.src.segment}</td><td>${f.dst.segment}</td><td><code>${f.witness.src} → ${f.witness.dst} ${f.witness.service}</code></td><td>${f.clause ?? t('none')}</td><td>${f.message}</td></tr>`,
                    )}</tbody>
                  </table>`
              }
            </div>`,
          )}
        </div>`
        : null
    }
  </section>`;
}

function ExceptionsView({ app }) {
  const s = app.state;
  const t = (k, v) => app.t(k, v);
  if (s.exceptionsError === 'needsReadPolicy') return html`<section class="card notice" role="status"><h2>${t('exceptionsTitle')}</h2><p>${t('needsReadPolicy')}</p></section>`;
  if (s.exceptionsError) return html`<p class="error" role="alert">${s.exceptionsError}</p>`;
  if (!s.exceptions) return html`<p class="loading">${t('loading')}</p>`;
  const list = s.exceptions.exceptions;
  const left = (e) => (e.daysLeft < 0 ? t('expired') : e.daysLeft === 0 ? t('lastDay') : t('days', { n: e.daysLeft }));
  const urgency = (e) => (e.daysLeft < 0 ? 'expired' : e.daysLeft <= 30 ? 'soon' : 'ok');
  return html`<section class="card" aria-labelledby="ex-h">
    <h2 id="ex-h">${t('exceptionsTitle')}</h2>
    <p class="help">${t('exceptionsHelp')} (${t('asOf')} ${s.exceptions.asOf})</p>
    ${
      list.length === 0
        ? html`<p>${t('noExceptions')}</p>`
        : html`<div class="scroll"><table class="list" id="exceptions">
          <thead><tr><th scope="col">${t('id')}</th><th scope="col">${t('from')}</th><th scope="col">${t('to')}</th><th scope="col">${t('services')}</th><th scope="col">${t('expires')}</th><th scope="col">${t('daysLeft')}</th><th scope="col">${t('reason')}</th><th scope="col">${t('approvedBy')}</th><th scope="col">${t('ticket')}</th></tr></thead>
          <tbody>${list.map(
            (e) => html`<tr data-id=${e.id}>
              <td><code>${e.id}</code></td><td>${e.from.join(', ')}</td><td>${e.to.join(', ')}</td><td>${e.services.join(', ')}</td>
              <td>${e.expires}</td><td><span class=${`days ${urgency(e)}`}>${left(e)}</span></td>
              <td>${e.reason}</td><td>${e.approvedBy}</td><td>${e.ticket ?? t('none')}</td>
            </tr>`,
          )}</tbody>
        </table></div>`
    }
  </section>`;
}

function PolicyView({ app }) {
  const p = app.state.policy;
  const t = (k, v) => app.t(k, v);
  if (!p) return html`<p class="loading">${t('loading')}</p>`;
  const lr = p.lastReload;
  const result = lr ? t(lr.result === 'ok' ? 'reloadOk' : lr.result === 'failed' ? 'reloadFailed' : 'reloadUnchanged') : t('none');
  const problems = lr?.problems ?? null;
  return html`<section class="card" aria-labelledby="pol-h">
    <h2 id="pol-h">${t('policy')}: ${p.name}</h2>
    <dl class="facts">
      <dt>${t('model')}</dt><dd>${p.model}</dd>
      <dt>${t('version')}</dt><dd><code>${p.version}</code></dd>
      <dt>${t('loadedAt')}</dt><dd>${p.loadedAt}</dd>
      <dt>${t('asOf')}</dt><dd>${p.asOf}</dd>
      <dt>${t('lastReload')}</dt><dd>${lr ? `${result} — ${lr.at} (${lr.trigger}); ${t('error')} ${lr.errors}, ${t('warnings')} ${lr.warnings}` : t('none')}</dd>
      <dt>${t('warnings')}</dt><dd>${p.warnings.count}</dd>
      <dt>${t('counts')}</dt><dd>${Object.entries(p.counts)
        .map(([k, v]) => `${k} ${v}`)
        .join(' · ')}</dd>
    </dl>
    ${
      problems
        ? html`<h3>${t('reloadProblems')}</h3>${
            problems.length === 0
              ? html`<p>${t('noProblems')}</p>`
              : html`<ul class="problems">${problems.map((x) => html`<li><code>${x.code}</code> ${x.file}:${x.line}:${x.col} ${x.message}</li>`)}</ul>`
          }`
        : null
    }
  </section>`;
}

const root = document.getElementById('app');
root.textContent = ''; // the boot placeholder: render() adds to what is there
render(html`<${App} />`, root);
