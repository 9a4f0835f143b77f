// The API reference page: fetches the service's own OpenAPI document and renders the
// operations grouped by tag; an operation opens to show parameters, request body,
// responses and problem codes. Nothing is loaded from anywhere but this service.
import { el, deref, facets, rich, schemaBlock } from '/docs/schema.js';

const SPEC_URL = '/openapi.json';
const METHODS = ['get', 'put', 'post', 'patch', 'delete', 'options', 'head', 'trace'];
const SVG = 'http://www.w3.org/2000/svg';
const REASONS = {
  200: 'OK', 201: 'Created', 202: 'Accepted', 204: 'No Content', 400: 'Bad Request', 401: 'Unauthorized',
  403: 'Forbidden', 404: 'Not Found', 409: 'Conflict', 413: 'Content Too Large', 415: 'Unsupported Media Type',
  422: 'Unprocessable Content', 429: 'Too Many Requests', 500: 'Internal Server Error', 503: 'Service Unavailable',
};

/** lockIcon is the marker of an operation that needs a bearer token. */
function lockIcon() {
  const svg = document.createElementNS(SVG, 'svg');
  svg.setAttribute('viewBox', '0 0 16 16');
  svg.setAttribute('aria-hidden', 'true');
  const path = document.createElementNS(SVG, 'path');
  path.setAttribute('d', 'M4.5 7V5a3.5 3.5 0 0 1 7 0v2h.5a1 1 0 0 1 1 1v6a1 1 0 0 1-1 1H4a1 1 0 0 1-1-1V8a1 1 0 0 1 1-1h.5Zm1.5 0h4V5a2 2 0 0 0-4 0v2Z');
  svg.append(path);
  return el('span', { class: 'lock', title: 'Requires a bearer token' }, svg, el('span', { class: 'sr' }, 'requires a bearer token'));
}

/** anchor turns a string into an id fragment. */
function anchor(s) {
  return String(s).toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '');
}

/** problemAnchor is the fragment of a problem code, as in a problem's type /docs/problems#<it>. */
function problemAnchor(code) {
  return code.replace(/_/g, '-');
}

/** operations lists every operation with its path-level parameters and effective security. */
function operations(spec) {
  const out = [];
  for (const [path, rawItem] of Object.entries(spec.paths || {})) {
    const item = deref(spec, rawItem);
    for (const method of METHODS) {
      const op = item[method];
      if (!op) continue;
      const security = op.security || spec.security || [];
      const byKey = new Map();
      for (const p of [...(item.parameters || []), ...(op.parameters || [])]) {
        const r = deref(spec, p);
        byKey.set(`${r.in}:${r.name}`, r);
      }
      out.push({
        path, method, op,
        id: 'op-' + anchor(op.operationId || `${method} ${path}`),
        params: [...byKey.values()],
        secured: security.some((req) => Object.keys(req).length > 0),
        security,
        tags: op.tags && op.tags.length ? op.tags : ['default'],
      });
    }
  }
  return out;
}

/** groups orders operations by tag: the document's tag list first, then others as met. */
function groups(spec, ops) {
  const order = (spec.tags || []).map((t) => t.name);
  const byTag = new Map(order.map((n) => [n, []]));
  for (const o of ops) {
    for (const t of o.tags) {
      if (!byTag.has(t)) byTag.set(t, []);
      byTag.get(t).push(o);
    }
  }
  const info = new Map((spec.tags || []).map((t) => [t.name, t]));
  return [...byTag].filter(([, list]) => list.length).map(([name, list]) => ({ name, list, info: info.get(name) || {} }));
}

const CODES_IN_TEXT = /\s*problem codes?:\s*([`a-z0-9_,\s]+)\.?$/i;

/**
 * problemCodes returns a response's problem codes, from its x-problem-codes extension or
 * else from a trailing "Problem codes: a, b" in its description, and the description
 * without that list (the codes are shown as chips instead).
 */
function problemCodes(res) {
  const description = res.description || '';
  const m = CODES_IN_TEXT.exec(description);
  const rest = m ? description.slice(0, m.index) : description;
  if (Array.isArray(res['x-problem-codes'])) return { codes: res['x-problem-codes'].map(String), rest };
  const codes = m ? m[1].split(/[\s,`]+/).filter(Boolean) : [];
  return { codes, rest: codes.length ? rest : description };
}

function isProblem(res) {
  return Object.keys(res.content || {}).some((t) => t.startsWith('application/problem+json'));
}

function method(m) {
  return el('span', { class: `method m-${m}` }, m.toUpperCase());
}

function section(kind, title, ...children) {
  return el('section', { class: `block block-${kind}` }, el('h4', {}, title), ...children);
}

function paramsBlock(spec, params) {
  const rows = params.map((p) => el('tr', {},
    el('td', {}, el('code', { class: 'prop-name' }, p.name), p.required ? el('span', { class: 'req' }, 'required') : ''),
    el('td', {}, el('span', { class: 'in' }, p.in)),
    el('td', {}, facets(spec, p.schema || {}), p.description ? el('p', { class: 'desc' }, rich(p.description)) : '')));
  return section('params', 'Parameters', el('table', { class: 'params' },
    el('thead', {}, el('tr', {}, el('th', {}, 'Name'), el('th', {}, 'In'), el('th', {}, 'Schema'))),
    el('tbody', {}, rows)));
}

function contentBlocks(spec, content) {
  return Object.entries(content || {}).map(([type, media]) =>
    el('div', { class: 'media' }, el('span', { class: 'media-type' }, type), media.schema ? schemaBlock(spec, media.schema) : ''));
}

function bodyBlock(spec, rawBody) {
  const body = deref(spec, rawBody);
  return section('body', 'Request body',
    el('p', { class: 'muted' }, body.required ? 'Required.' : 'Optional.', body.description ? [' ', rich(body.description)] : ''),
    ...contentBlocks(spec, body.content));
}

function statusClass(code) {
  const c = String(code)[0];
  return c === '2' || c === '3' ? 'ok' : c === '4' ? 'client' : c === '5' ? 'server' : 'other';
}

function responseBlock(spec, status, raw) {
  const res = deref(spec, raw);
  const { codes, rest } = problemCodes(res);
  const head = el('div', { class: 'res-head' }, el('span', { class: `st s-${statusClass(status)}` }, status));
  head.append(el('span', { class: 'res-desc' }, rest ? rich(rest) : REASONS[status] || ''));
  const box = el('div', { class: 'response', 'data-status': status }, head);
  if (codes.length) {
    box.append(el('div', { class: 'codes' }, el('span', { class: 'codes-label' }, 'Problem codes'),
      codes.map((c) => el('a', { class: 'code', href: '#' + problemAnchor(c) }, c))));
  }
  const headers = Object.entries(res.headers || {});
  if (headers.length) {
    box.append(el('p', { class: 'muted' }, 'Headers: ', headers.map(([h, v]) => [el('code', {}, h), ' ', rich(deref(spec, v).description || ''), ' '])));
  }
  const blocks = contentBlocks(spec, res.content);
  if (blocks.length && isProblem(res)) {
    box.append(el('details', { class: 'problem-schema' }, el('summary', {}, 'Problem details schema'), blocks));
  } else {
    box.append(...blocks);
  }
  return box;
}

function securityBlock(spec, o) {
  const schemes = (spec.components && spec.components.securitySchemes) || {};
  const names = [...new Set(o.security.flatMap((req) => Object.keys(req)))];
  const text = names.map((n) => {
    const s = schemes[n] || {};
    const kind = s.type === 'http' ? `HTTP ${s.scheme || ''}${s.bearerFormat ? ' (' + s.bearerFormat + ')' : ''}` : s.type || '';
    return `${n}: ${kind}`.trim();
  });
  return el('p', { class: 'security' }, lockIcon(), 'Requires ', el('code', {}, 'Authorization: Bearer <token>'), text.length ? ` (${text.join(', ')})` : '');
}

/** details renders an operation's body, once, when it is first opened. */
function details(spec, o) {
  const box = el('div', { class: 'op-body' });
  if (o.op.description) box.append(el('p', { class: 'op-desc' }, rich(o.op.description)));
  if (o.op.deprecated) box.append(el('p', { class: 'deprecated' }, 'Deprecated.'));
  if (o.secured) box.append(securityBlock(spec, o));
  if (o.params.length) box.append(paramsBlock(spec, o.params));
  if (o.op.requestBody) box.append(bodyBlock(spec, o.op.requestBody));
  const responses = Object.entries(o.op.responses || {});
  if (responses.length) box.append(section('responses', 'Responses', responses.map(([s, r]) => responseBlock(spec, s, r))));
  return box;
}

function toggle(spec, o, node, open) {
  const head = node.querySelector('.op-head');
  const want = open === undefined ? head.getAttribute('aria-expanded') !== 'true' : open;
  if (want && !node.querySelector('.op-body')) node.append(details(spec, o));
  head.setAttribute('aria-expanded', String(want));
  node.classList.toggle('open', want);
}

function operationNode(spec, o) {
  const head = el('button', { class: 'op-head', type: 'button', 'aria-expanded': 'false' },
    method(o.method), el('code', { class: 'path' }, o.path),
    el('span', { class: 'summary' }, o.op.summary || o.op.operationId || ''),
    o.secured ? lockIcon() : '');
  const node = el('article', { class: `op op-${o.method}`, id: o.id, 'data-method': o.method, 'data-path': o.path }, head);
  if (o.op.deprecated) node.classList.add('is-deprecated');
  head.addEventListener('click', () => toggle(spec, o, node));
  return node;
}

function problemsSection(ops, spec) {
  const byCode = new Map();
  for (const o of ops) {
    for (const [status, raw] of Object.entries(o.op.responses || {})) {
      for (const c of problemCodes(deref(spec, raw)).codes) {
        if (!byCode.has(c)) byCode.set(c, { statuses: new Set(), ops: [] });
        byCode.get(c).statuses.add(status);
        byCode.get(c).ops.push(o);
      }
    }
  }
  if (!byCode.size) return null;
  const rows = [...byCode].sort(([a], [b]) => a.localeCompare(b)).map(([code, v]) => el('tr', { id: problemAnchor(code) },
    el('td', {}, el('code', { class: 'code' }, code)),
    el('td', {}, [...v.statuses].sort().map((s) => el('span', { class: `st s-${statusClass(s)}` }, s))),
    el('td', {}, [...new Set(v.ops)].map((o) => el('a', { class: 'op-link', href: '#' + o.id }, method(o.method), ' ', o.path)))));
  return el('section', { class: 'tag problems', id: 'problems' },
    el('h2', {}, 'Problem codes'),
    el('p', { class: 'tag-desc' }, 'Errors are RFC 9457 problem details (application/problem+json); their code member is one of these.'),
    el('table', { class: 'params problem-table' },
      el('thead', {}, el('tr', {}, el('th', {}, 'Code'), el('th', {}, 'Status'), el('th', {}, 'Answered by'))),
      el('tbody', {}, rows)));
}

function nav(tagGroups, hasProblems) {
  const list = el('ul', {});
  for (const g of tagGroups) {
    list.append(el('li', { class: 'nav-tag' }, el('a', { href: '#tag-' + anchor(g.name) }, g.name),
      el('ul', {}, g.list.map((o) => el('li', { 'data-op': o.id }, el('a', { href: '#' + o.id }, method(o.method), el('span', { class: 'nav-path' }, o.path)))))));
  }
  if (hasProblems) list.append(el('li', { class: 'nav-tag' }, el('a', { href: '#problems' }, 'Problem codes')));
  return list;
}

/** openFromHash opens and shows the operation or problem the URL's fragment names. */
function openFromHash(spec, byId) {
  const id = decodeURIComponent(location.hash.slice(1)) || (location.pathname.endsWith('/problems') ? 'problems' : '');
  const target = id && document.getElementById(id);
  if (!target) return;
  if (byId.has(id)) toggle(spec, byId.get(id), target, true);
  target.scrollIntoView({ block: 'start' });
}

function applyFilter(q) {
  const words = q.toLowerCase().split(/\s+/).filter(Boolean);
  for (const node of document.querySelectorAll('.op')) {
    const text = `${node.dataset.method} ${node.dataset.path} ${node.querySelector('.summary').textContent}`.toLowerCase();
    const hide = !words.every((w) => text.includes(w));
    node.hidden = hide;
    const link = document.querySelector(`[data-op="${node.id}"]`);
    if (link) link.hidden = hide;
  }
  for (const tag of document.querySelectorAll('.tag[data-tag]')) {
    tag.hidden = !tag.querySelector('.op:not([hidden])');
  }
}

function render(spec) {
  const info = spec.info || {};
  const title = info.title || 'API reference';
  document.title = `${title} · API reference`;
  document.getElementById('title').textContent = title;
  const version = document.getElementById('version');
  if (info.version) Object.assign(version, { textContent: 'v' + String(info.version).replace(/^v/, ''), hidden: false });
  const oas = document.getElementById('oas');
  if (spec.openapi) Object.assign(oas, { textContent: 'OpenAPI ' + spec.openapi, hidden: false });

  const ops = operations(spec);
  const tagGroups = groups(spec, ops);
  const byId = new Map(ops.map((o) => [o.id, o]));
  const main = document.getElementById('main');
  main.replaceChildren();
  if (info.description) main.append(el('p', { class: 'intro' }, rich(info.description)));
  for (const g of tagGroups) {
    main.append(el('section', { class: 'tag', id: 'tag-' + anchor(g.name), 'data-tag': g.name },
      el('h2', {}, g.name), g.info.description ? el('p', { class: 'tag-desc' }, rich(g.info.description)) : '',
      g.list.map((o) => operationNode(spec, o))));
  }
  const problems = problemsSection(ops, spec);
  if (problems) main.append(problems);
  document.getElementById('nav').replaceChildren(nav(tagGroups, Boolean(problems)));
  document.getElementById('filter').addEventListener('input', (e) => applyFilter(e.target.value));
  window.addEventListener('hashchange', () => openFromHash(spec, byId));
  openFromHash(spec, byId);
  document.body.dataset.state = 'ready';
}

async function main() {
  try {
    const res = await fetch(SPEC_URL, { headers: { Accept: 'application/json' }, credentials: 'same-origin' });
    if (!res.ok) throw new Error(`GET ${SPEC_URL} answered ${res.status}`);
    render(await res.json());
  } catch (err) {
    const status = document.getElementById('status') || document.getElementById('main').appendChild(el('p', { class: 'status' }));
    status.classList.add('error');
    status.textContent = `The API description could not be loaded: ${err.message}`;
    document.body.dataset.state = 'error';
  }
}

main();
