// Rendering of JSON Schemas (OpenAPI 3.1 dialect) as readable property trees.
// Everything is built with DOM calls and textContent: no HTML string from the
// document ever reaches innerHTML.

/** el builds an element: attrs sets attributes (class, href, ...), children are nodes or text. */
export function el(tag, attrs, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    node.setAttribute(k, v === true ? '' : String(v));
  }
  for (const c of children.flat(Infinity)) {
    if (c === undefined || c === null || c === false) continue;
    node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return node;
}

/** rich renders prose with `code` spans (the only markup of descriptions we honour). */
export function rich(text) {
  return String(text).split('`').map((part, i) => (i % 2 ? el('code', {}, part) : part));
}

/** refName is the last segment of a $ref: "#/components/schemas/User" gives "User". */
export function refName(ref) {
  const parts = String(ref).split('/');
  return decodeURIComponent(parts[parts.length - 1]).replace(/~1/g, '/').replace(/~0/g, '~');
}

/** deref follows a local $ref (a JSON pointer into spec), repeatedly; unknown refs give {}. */
export function deref(spec, obj) {
  let cur = obj;
  for (let i = 0; cur && typeof cur.$ref === 'string' && i < 32; i++) {
    const ref = cur.$ref;
    if (!ref.startsWith('#/')) return {};
    let target = spec;
    for (const raw of ref.slice(2).split('/')) {
      const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
      target = target && typeof target === 'object' ? target[key] : undefined;
    }
    if (target === undefined) return {};
    // Sibling keywords of a $ref (3.1 allows description, ...) win over the target's.
    const { $ref, ...siblings } = cur;
    cur = Object.keys(siblings).length ? { ...target, ...siblings } : target;
  }
  return cur || {};
}

function types(s) {
  if (Array.isArray(s.type)) return s.type;
  if (s.type) return [s.type];
  if (s.properties || s.additionalProperties) return ['object'];
  if (s.items) return ['array'];
  return [];
}

/** typeLabel is a short description of a schema's type: "string", "User[]", "integer | null". */
export function typeLabel(spec, schema) {
  if (!schema || typeof schema !== 'object') return 'any';
  if (schema.$ref) return refName(schema.$ref);
  if (schema.allOf) return schema.allOf.map((p) => typeLabel(spec, p)).join(' & ');
  const alt = schema.oneOf || schema.anyOf;
  if (alt) return alt.map((p) => typeLabel(spec, p)).join(' | ');
  const t = types(schema).map((t) => (t === 'array' ? typeLabel(spec, schema.items) + '[]' : t));
  if (schema.nullable) t.push('null');
  if (t.length) return t.join(' | ');
  if ('const' in schema) return typeof schema.const;
  if (schema.enum) return 'enum';
  return 'any';
}

function json(v) {
  return typeof v === 'string' ? v : JSON.stringify(v);
}

/** constraints lists a schema's validation keywords as short human phrases. */
export function constraints(s) {
  const out = [];
  const add = (cond, text) => cond && out.push(text);
  add(s.format, s.format);
  add('minLength' in s && 'maxLength' in s, `${s.minLength}–${s.maxLength} chars`);
  add('minLength' in s && !('maxLength' in s), `≥ ${s.minLength} chars`);
  add('maxLength' in s && !('minLength' in s), `≤ ${s.maxLength} chars`);
  add('minimum' in s, `≥ ${s.minimum}`);
  add('exclusiveMinimum' in s, `> ${s.exclusiveMinimum}`);
  add('maximum' in s, `≤ ${s.maximum}`);
  add('exclusiveMaximum' in s, `< ${s.exclusiveMaximum}`);
  add('multipleOf' in s, `multiple of ${s.multipleOf}`);
  add('minItems' in s, `≥ ${s.minItems} items`);
  add('maxItems' in s, `≤ ${s.maxItems} items`);
  add(s.uniqueItems, 'unique items');
  add('minProperties' in s, `≥ ${s.minProperties} properties`);
  add('maxProperties' in s, `≤ ${s.maxProperties} properties`);
  add(s.pattern, `pattern ${s.pattern}`);
  add('default' in s, `default ${json(s.default)}`);
  add(s.readOnly, 'read-only');
  add(s.writeOnly, 'write-only');
  add(s.deprecated, 'deprecated');
  add(s.additionalProperties === false, 'no other properties');
  return out;
}

function examples(s) {
  if (Array.isArray(s.examples) && s.examples.length) return s.examples;
  return 'example' in s ? [s.example] : [];
}

/** facets renders the type, constraint, enum and example chips of a schema. */
export function facets(spec, raw) {
  const s = deref(spec, raw);
  const box = el('span', { class: 'facets' });
  const label = typeLabel(spec, raw && raw.$ref ? raw : s);
  box.append(el('span', { class: 'type' + (raw && raw.$ref ? ' type-ref' : '') }, label));
  for (const c of constraints(s)) box.append(el('span', { class: 'chip' }, c));
  if ('const' in s) box.append(el('span', { class: 'chip chip-enum' }, '= ' + json(s.const)));
  if (Array.isArray(s.enum)) {
    const list = el('span', { class: 'enum' }, el('span', { class: 'enum-label' }, 'one of'));
    for (const v of s.enum) list.append(el('code', { class: 'chip chip-enum' }, json(v)));
    box.append(list);
  }
  const ex = examples(s);
  if (ex.length) box.append(el('span', { class: 'example' }, 'e.g. ', el('code', {}, ex.map(json).join(', '))));
  return box;
}

/** mergeAllOf folds allOf parts that are all objects into one object schema, or returns null. */
function mergeAllOf(spec, s) {
  const merged = { type: 'object', properties: {}, required: [] };
  for (const part of s.allOf) {
    const p = deref(spec, part);
    const inner = p.allOf ? mergeAllOf(spec, p) : p;
    if (!inner || !types(inner).includes('object') || inner.oneOf || inner.anyOf) return null;
    Object.assign(merged.properties, inner.properties || {});
    merged.required.push(...(inner.required || []));
    if (inner.additionalProperties === false) merged.additionalProperties = false;
  }
  if (s.description) merged.description = s.description;
  return merged;
}

function isComposite(s) {
  return Boolean(s.allOf || s.oneOf || s.anyOf);
}

/** hasChildren tells whether a schema renders something below its own line. */
function hasChildren(spec, raw) {
  const s = deref(spec, raw);
  if (isComposite(s)) return true;
  if (s.properties && Object.keys(s.properties).length) return true;
  if (types(s).includes('array') && s.items) return hasChildren(spec, s.items);
  return typeof s.additionalProperties === 'object' && hasChildren(spec, s.additionalProperties);
}

/**
 * renderSchema renders a schema as a tree: objects as property lists, arrays through their
 * items, allOf merged where it can be, oneOf/anyOf as numbered alternatives. seen holds the
 * $refs on the current path, so recursive schemas stop instead of looping.
 */
export function renderSchema(spec, raw, seen = new Set(), depth = 0) {
  const box = el('div', { class: 'schema' });
  if (!raw || typeof raw !== 'object') return box;
  if (raw.$ref) {
    if (seen.has(raw.$ref) || depth > 12) {
      box.append(el('p', { class: 'recursive' }, `${refName(raw.$ref)} (recursive, see above)`));
      return box;
    }
    seen = new Set(seen).add(raw.$ref);
  }
  const s = deref(spec, raw);
  if (s.allOf) {
    const merged = mergeAllOf(spec, s);
    if (merged) return renderSchema(spec, merged, seen, depth);
    return alternatives(spec, 'All of', s.allOf, seen, depth);
  }
  if (s.oneOf || s.anyOf) {
    return alternatives(spec, s.oneOf ? 'One of' : 'Any of', s.oneOf || s.anyOf, seen, depth);
  }
  const t = types(s);
  if (t.includes('array') && s.items) {
    if (!hasChildren(spec, s.items)) return box;
    box.append(el('p', { class: 'items-label' }, 'Items: ', facets(spec, s.items)));
    box.append(renderSchema(spec, s.items, seen, depth + 1));
    return box;
  }
  const props = Object.entries(s.properties || {});
  if (props.length) {
    const required = new Set(s.required || []);
    const list = el('ul', { class: 'props' });
    for (const [name, p] of props) list.append(property(spec, name, p, required.has(name), seen, depth));
    box.append(list);
  }
  if (typeof s.additionalProperties === 'object') {
    box.append(el('p', { class: 'items-label' }, 'Other properties: ', facets(spec, s.additionalProperties)));
    if (hasChildren(spec, s.additionalProperties)) box.append(renderSchema(spec, s.additionalProperties, seen, depth + 1));
  } else if (s.additionalProperties === true && !props.length) {
    box.append(el('p', { class: 'muted' }, 'Any properties.'));
  }
  return box;
}

function property(spec, name, raw, required, seen, depth) {
  const s = deref(spec, raw);
  const line = el('div', { class: 'prop-line' },
    el('code', { class: 'prop-name' }, name),
    required ? el('span', { class: 'req' }, 'required') : el('span', { class: 'opt' }, 'optional'),
    facets(spec, raw));
  const item = el('li', { class: 'prop' }, line);
  if (s.description) item.append(el('p', { class: 'desc' }, rich(s.description)));
  if (hasChildren(spec, raw)) item.append(el('div', { class: 'nested' }, renderSchema(spec, raw, seen, depth + 1)));
  return item;
}

function alternatives(spec, label, parts, seen, depth) {
  const box = el('div', { class: 'schema alts' }, el('p', { class: 'alts-label' }, label));
  parts.forEach((part, i) => {
    const head = el('div', { class: 'alt-head' }, el('span', { class: 'alt-n' }, String(i + 1)), facets(spec, part));
    const alt = el('div', { class: 'alt' }, head);
    if (hasChildren(spec, part)) alt.append(renderSchema(spec, part, seen, depth + 1));
    box.append(alt);
  });
  return box;
}

/**
 * schemaBlock renders a whole schema under a header line (its type and facets), as used for
 * request and response bodies.
 */
export function schemaBlock(spec, raw) {
  const block = el('div', { class: 'schema-block' }, el('div', { class: 'schema-head' }, facets(spec, raw)));
  const desc = deref(spec, raw).description;
  if (desc) block.append(el('p', { class: 'desc' }, rich(desc)));
  if (hasChildren(spec, raw)) block.append(renderSchema(spec, raw));
  return block;
}
