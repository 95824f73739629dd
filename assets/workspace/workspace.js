/* kordon workspace script: a body's clerk records, accepts and reports from the browser.
   Forms are built from GET /schema/events (generated from kordon's own body types), events
   are encoded in RFC 8785 canonical JSON here (events/SPEC.md §4), checked by POST
   /entries/check before signing, signed with a non-extractable Web Crypto Ed25519 key kept in
   IndexedDB, submitted to POST /entries (or /entries/batch for a plan), and their receipts are
   verified with verify.js, the Integrity page's code. The private key never leaves the browser:
   no request carries it. Loaded as a file: the pages' policy forbids inline script. */
(function () {
  'use strict';

  var doc = document;
  var V = window.kordonVerify;
  var enc = new TextEncoder();
  var CONTEXT = enc.encode('kordon/event/v1\n');

  /* -------------------------------------------------------------------------------------
     RFC 8785 canonical JSON (events/SPEC.md §4). Members sorted by UTF-16 code units (what
     Array.prototype.sort compares), the shortest escapes, integers only. */
  function canonicalString(s) {
    var out = '"';
    for (var i = 0; i < s.length; i++) {
      var c = s.charCodeAt(i);
      if (c >= 0xd800 && c <= 0xdbff) {
        var d = s.charCodeAt(i + 1);
        if (!(d >= 0xdc00 && d <= 0xdfff)) throw new Error('a lone surrogate in a text');
        out += s[i] + s[i + 1];
        i++;
        continue;
      }
      if (c >= 0xdc00 && c <= 0xdfff) throw new Error('a lone surrogate in a text');
      if (c === 0x22) out += '\\"';
      else if (c === 0x5c) out += '\\\\';
      else if (c === 0x08) out += '\\b';
      else if (c === 0x09) out += '\\t';
      else if (c === 0x0a) out += '\\n';
      else if (c === 0x0c) out += '\\f';
      else if (c === 0x0d) out += '\\r';
      else if (c < 0x20) out += '\\u00' + (c < 16 ? '0' : '') + c.toString(16);
      else out += s[i];
    }
    return out + '"';
  }

  function canonical(v) {
    if (v === null) return 'null';
    if (v === true) return 'true';
    if (v === false) return 'false';
    if (typeof v === 'number') {
      if (!Number.isSafeInteger(v)) throw new Error('only integers of magnitude below 2^53 are allowed: ' + v);
      return String(v === 0 ? 0 : v);
    }
    if (typeof v === 'string') return canonicalString(v);
    if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']';
    if (typeof v === 'object') {
      var keys = Object.keys(v).sort();
      return '{' + keys.map(function (k) { return canonicalString(k) + ':' + canonical(v[k]); }).join(',') + '}';
    }
    throw new Error('not a JSON value: ' + typeof v);
  }

  /* An event's exact bytes: the envelope of SPEC.md §5.1 around a body. */
  function encodeEvent(e) {
    var ev = { v: 1, ledger: e.ledger, id: e.id, type: e.type, author: e.author, key: e.key, at: e.at, body: e.body };
    return enc.encode(canonical(ev));
  }

  /* `at` as kordon writes it: no fraction when the milliseconds are 0, else three digits. */
  function isoTime(ms) {
    return new Date(ms).toISOString().replace('.000Z', 'Z');
  }

  function b64(bytes) {
    var s = '';
    for (var i = 0; i < bytes.length; i += 0x8000) s += String.fromCharCode.apply(null, bytes.subarray(i, i + 0x8000));
    return btoa(s);
  }

  function randomId() {
    var b = new Uint8Array(16);
    crypto.getRandomValues(b);
    return V.hex(b);
  }

  /* -------------------------------------------------------------------------------------
     The page's data, words and helpers. */
  var data = null;
  try {
    var el = doc.getElementById('kordon-workspace');
    if (el) data = JSON.parse(el.textContent || 'null');
  } catch (e) {
    data = null;
  }
  function W(k) { return data && data.words && Object.prototype.hasOwnProperty.call(data.words, k) ? data.words[k] : k; }
  function $(id) { return doc.getElementById(id); }
  function h(tag, attrs, kids) {
    var n = doc.createElement(tag);
    if (attrs) Object.keys(attrs).forEach(function (k) {
      if (attrs[k] === null || attrs[k] === undefined || attrs[k] === false) return;
      if (k === 'text') n.textContent = attrs[k];
      else n.setAttribute(k, attrs[k] === true ? '' : attrs[k]);
    });
    (kids || []).forEach(function (c) { if (c) n.appendChild(typeof c === 'string' ? doc.createTextNode(c) : c); });
    return n;
  }
  /* A calendar day (YYYY-MM-DD) as the reader's language writes it: 31.12.2026, 31 Dec 2026. */
  function dayText(day) {
    var d = new Date(day + 'T00:00:00Z');
    if (isNaN(d.getTime())) return day;
    return d.toLocaleDateString(data && data.lang === 'en' ? 'en-GB' : 'uk-UA', { timeZone: 'UTC', day: 'numeric', month: data && data.lang === 'en' ? 'short' : '2-digit', year: 'numeric' });
  }
  // The ledger's fingerprint as kordon says it everywhere (kordon-core's l10n::Fingerprint):
  // the size grouped in threes, the root in groups of four hex digits, no-break spaces inside
  // each value; the noun's plural form from the browser's CLDR rules.
  function fingerprint(origin, size, root) {
    var nb = '\u00a0';
    var en = data && data.lang === 'en';
    var grouped = String(size).replace(/\B(?=(\d{3})+(?!\d))/g, nb);
    var forms = W('fp_entries').split('|');
    var cat = new Intl.PluralRules(en ? 'en' : 'uk').select(size);
    var noun = en ? forms[cat === 'one' ? 0 : 1] : forms[cat === 'one' ? 0 : cat === 'few' ? 1 : 2];
    var hex = V.hex(root).replace(/(.{4})(?=.)/g, '$1' + nb);
    return origin + ' · ' + grouped + nb + noun + ' · ' + W('root_short') + ' ' + hex;
  }
  function pick(uk, en) { return data && data.lang === 'en' && en ? en : uk; }
  function bodyById(id) { return (data.bodies || []).filter(function (b) { return b.id === id; })[0]; }
  function bodyName(id) { var b = bodyById(id); return b ? pick(b.name_uk, b.name_en) : id; }
  function commitmentById(id) { return (data.commitments || []).filter(function (c) { return c.id === id; })[0]; }
  function me() { return bodyById(data.body); }
  function hasRole(r) { var b = me(); return !!b && b.roles.indexOf(r) >= 0; }
  function fieldInfo(name) {
    var f = (data.fields || []).filter(function (x) { return x[0] === name; })[0];
    return f ? { label: f[1], help: f[2], order: data.fields.indexOf(f) } : { label: name, help: null, order: 999 };
  }
  function enumLabel(def, v) {
    var list = (data.enums || {})[def] || [];
    var e = list.filter(function (x) { return x[0] === v; })[0];
    return e ? e[1] : v;
  }

  /* -------------------------------------------------------------------------------------
     IndexedDB: keys (non-extractable CryptoKeys, by ledger and body), receipts, the pinned
     verifier key. */
  function db() {
    return new Promise(function (resolve, reject) {
      var req = indexedDB.open('kordon-workspace', 1);
      req.onupgradeneeded = function () {
        var d = req.result;
        d.createObjectStore('keys');
        d.createObjectStore('receipts', { autoIncrement: true });
        d.createObjectStore('pins');
      };
      req.onsuccess = function () { resolve(req.result); };
      req.onerror = function () { reject(req.error); };
    });
  }
  function store(name, mode, f) {
    return db().then(function (d) {
      return new Promise(function (resolve, reject) {
        var tx = d.transaction(name, mode);
        var r = f(tx.objectStore(name));
        tx.oncomplete = function () { resolve(r && 'result' in r ? r.result : undefined); };
        tx.onerror = function () { reject(tx.error); };
      });
    });
  }
  function keySlot() { return data.origin + ' ' + data.body; }
  function loadKey() { return store('keys', 'readonly', function (s) { return s.get(keySlot()); }); }
  function saveKey(k) { return store('keys', 'readwrite', function (s) { return s.put(k, keySlot()); }); }
  function forgetKey() { return store('keys', 'readwrite', function (s) { return s.delete(keySlot()); }); }
  function saveReceipt(r) { return store('receipts', 'readwrite', function (s) { return s.add(r); }); }
  function allReceipts() { return store('receipts', 'readonly', function (s) { return s.getAll(); }); }

  /* The verifier key receipts are checked with: the first one this browser saw for this
     ledger, kept; a later page offering another is refused. */
  function pinnedVkey() {
    return store('pins', 'readonly', function (s) { return s.get(data.origin); }).then(function (pinned) {
      if (!pinned) return store('pins', 'readwrite', function (s) { return s.put(data.verifier_key, data.origin); }).then(function () { return data.verifier_key; });
      return pinned;
    });
  }

  /* -------------------------------------------------------------------------------------
     Keys: generated non-extractable, or imported once from PKCS#8 PEM and then
     non-extractable. Only the public key and key id are ever shown or sent. */
  function keyIdOf(pub) {
    return V.sha256(pub).then(function (d) { return V.hex(d.slice(0, 8)); });
  }
  function record(privateKey, pub, how) {
    return keyIdOf(pub).then(function (id) {
      var k = { privateKey: privateKey, publicKey: b64(pub), keyId: id, how: how, created: Date.now() };
      return saveKey(k).then(function () { return k; });
    });
  }
  function generateKey() {
    return crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign', 'verify']).then(function (pair) {
      return crypto.subtle.exportKey('raw', pair.publicKey).then(function (raw) {
        return record(pair.privateKey, new Uint8Array(raw), 'generated');
      });
    });
  }
  /* The 32-byte seed of an Ed25519 PKCS#8 key, v1 (RFC 8410, as `kordon key new` and OpenSSL
     write) or v2 (with the public key): the OCTET STRING in the OCTET STRING after the OID. */
  var ED25519_OID = [0x06, 0x03, 0x2b, 0x65, 0x70];
  function seedOf(der) {
    for (var i = 0; i + ED25519_OID.length < der.length; i++) {
      var at = true;
      for (var j = 0; j < ED25519_OID.length; j++) if (der[i + j] !== ED25519_OID[j]) { at = false; break; }
      if (!at) continue;
      for (var k = i + 5; k + 36 <= der.length; k++) {
        if (der[k] === 0x04 && der[k + 1] === 0x22 && der[k + 2] === 0x04 && der[k + 3] === 0x20) return der.slice(k + 4, k + 36);
      }
    }
    return null;
  }
  function importPem(text) {
    var m = /-----BEGIN PRIVATE KEY-----([\s\S]*?)-----END PRIVATE KEY-----/.exec(String(text));
    if (!m) return Promise.reject(new Error(W('ws_key_bad_pem')));
    var der, seed;
    try {
      der = V.fromB64(m[1].replace(/\s+/g, ''));
      seed = seedOf(der);
    } catch (e) {
      return Promise.reject(new Error(W('ws_key_bad_pem')));
    }
    if (!seed) return Promise.reject(new Error(W('ws_key_bad_pem')));
    // Always import the v1 layout, which every Web Crypto reads.
    var v1 = V.concat(new Uint8Array([0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20]), seed);
    // Once extractable, only to read the public key (JWK "x"), then again, for good, not.
    return crypto.subtle.importKey('pkcs8', v1, { name: 'Ed25519' }, true, ['sign']).then(function (tmp) {
      return crypto.subtle.exportKey('jwk', tmp);
    }).then(function (jwk) {
      var pub = V.fromB64(jwk.x.replace(/-/g, '+').replace(/_/g, '/') + '=');
      return crypto.subtle.importKey('pkcs8', v1, { name: 'Ed25519' }, false, ['sign']).then(function (key) {
        der.fill(0); seed.fill(0); v1.fill(0);
        return record(key, pub, 'imported');
      });
    }, function () { throw new Error(W('ws_key_bad_pem')); });
  }
  function keyState(k) {
    if (!k) return 'none';
    var reg = (data.keys || []).filter(function (x) { return x.id === k.keyId; })[0];
    if (!reg || reg.body !== data.body) return 'unregistered';
    return reg.revoked ? 'revoked' : 'ready';
  }
  function showKeyState(k) {
    var box = $('ws-key');
    if (!box) return;
    var st = keyState(k);
    box.setAttribute('data-state', st);
    $('ws-key-text').textContent = W('ws_key_' + st) + (k ? ' (' + k.keyId + ')' : '');
  }
  function supported() {
    if (!window.isSecureContext || !window.crypto || !crypto.subtle || !window.indexedDB) return Promise.resolve(false);
    return crypto.subtle.generateKey({ name: 'Ed25519' }, false, ['sign']).then(function () { return true; }, function () { return false; });
  }

  /* -------------------------------------------------------------------------------------
     The schema: one description of every event type, from kordon's body types. */
  var schemaDoc = null;
  function schema() {
    if (schemaDoc) return Promise.resolve(schemaDoc);
    return V.fetchOk('/schema/events', 'json').then(function (s) { schemaDoc = s; return s; });
  }
  function resolve(s) {
    var guard = 0;
    while (s && s.$ref && guard++ < 16) {
      var name = s.$ref.replace('#/$defs/', '');
      var extra = s;
      s = Object.assign({}, schemaDoc.$defs[name], { __def: name });
      if (extra['x-pick']) s['x-pick'] = extra['x-pick'];
    }
    return s;
  }
  function typeInfo(type) { return schemaDoc.types.filter(function (t) { return t.type === type; })[0]; }

  /* -------------------------------------------------------------------------------------
     Forms, from the schema. Each field knows how to read its value back (`get`), which throws
     {field, message} for a value that breaks its schema. */
  var params = new URLSearchParams(location.search);
  var formType = null;

  /* Which commitments a picker offers, from who signs the event (a clerk sees their own items
     first, never an id to type). */
  function commitmentChoices(signer) {
    var all = data.commitments || [];
    var mine = all.filter(function (c) {
      switch (signer) {
        case 'assignee': return c.phase === 'assigned' && c.assigned_to === data.body;
        case 'receiver': return c.pending && c.pending.to === data.body;
        case 'proposer': return c.pending && c.pending.proposer === data.body;
        case 'lead': return c.phase === 'active' && c.lead === data.body;
        case 'lead-or-co-executor': return c.phase === 'active' && (c.lead === data.body || c.co.indexOf(data.body) >= 0);
        case 'lead-or-coordinator': return c.phase === 'active' && (hasRole('coordinator') || c.lead === data.body);
        default: return true;
      }
    });
    return mine;
  }

  function select(name, options, value, required) {
    var s = h('select', { name: name, id: 'f-' + name, required: required });
    s.appendChild(h('option', { value: '', text: W('ws_choose') }));
    options.forEach(function (o) {
      var opt = h('option', { value: o[0], text: o[1] });
      if (o[0] === value) opt.selected = true;
      s.appendChild(opt);
    });
    if (options.length === 1 && required && !value) s.value = options[0][0];
    return s;
  }

  function invalid(name, message) { var e = new Error(message); e.field = name; return e; }

  function check(name, s, v) {
    if (s.pattern && !new RegExp(s.pattern, 'u').test(v)) throw invalid(name, W('ws_invalid') + ': ' + v);
    if (s.format === 'date' && isNaN(new Date(v + 'T00:00:00Z').getTime())) throw invalid(name, W('ws_invalid') + ': ' + v);
    return v;
  }

  var LONG = ['reason', 'note', 'text', 'answer', 'question', 'description'];

  /* A field for a property: a label, a control, and get(). `ctx` holds the form's other
     fields, for pickers that depend on the chosen commitment. */
  function field(name, prop, required, ctx, path) {
    var s = resolve(prop);
    var info = fieldInfo(name);
    var id = 'f-' + path.replace(/[^a-z0-9_]/gi, '-');
    var wrap = h('div', { class: 'ws-field', 'data-field': path });
    var label = h('label', { for: id }, [info.label, ' ', h('span', { class: 'muted', text: required ? '' : '(' + W('ws_optional') + ')' })]);
    var kind = prop['x-pick'] || s['x-pick'] || (s.type === 'object' ? 'object' : 'text');
    var given = path.indexOf('.') < 0 ? params.get(name) : null;
    var control, get;

    if (s.type === 'array') {
      var item = resolve(s.items);
      var itemPick = kind;
      if (item.enum || (item.type === 'string' && (itemPick === 'body' || itemPick === 'choice'))) {
        // Several of a fixed list: checkboxes.
        var opts = item.enum ? item.enum.map(function (v) { return [v, enumLabel(item.__def, v)]; })
          : (data.bodies || []).filter(function (b) { return b.active; }).map(function (b) { return [b.id, pick(b.name_uk, b.name_en) + ' (' + b.id + ')']; });
        control = h('fieldset', { class: 'ws-checks', id: id }, [h('legend', { text: info.label + (required ? '' : ' (' + W('ws_optional') + ')') })]);
        opts.forEach(function (o) {
          var cb = h('input', { type: 'checkbox', value: o[0], name: name });
          control.appendChild(h('label', { class: 'check' }, [cb, ' ' + o[1]]));
        });
        get = function () {
          var v = Array.prototype.filter.call(control.querySelectorAll('input:checked'), function (c) { return true; }).map(function (c) { return c.value; });
          if (!v.length) { if (required) throw invalid(path, info.label + ': ' + W('ws_required')); return undefined; }
          return v;
        };
        wrap.appendChild(control);
        if (info.help) wrap.appendChild(h('p', { class: 'help', text: info.help }));
        return { el: wrap, get: get };
      }
      // A list of objects or strings: add and remove rows.
      var list = h('div', { class: 'ws-list', id: id });
      var rows = [];
      var add = h('button', { type: 'button', class: 'secondary', text: W('ws_add') + ': ' + info.label });
      function addRow() {
        var n = rows.length;
        var sub = field(name, s.items, true, ctx, path + '[' + n + ']');
        var rm = h('button', { type: 'button', class: 'secondary small', text: W('ws_remove') });
        var box = h('div', { class: 'ws-list-item' }, [sub.el, rm]);
        var row = { box: box, get: sub.get };
        rm.addEventListener('click', function () { list.removeChild(box); rows.splice(rows.indexOf(row), 1); });
        rows.push(row);
        list.appendChild(box);
      }
      add.addEventListener('click', addRow);
      wrap.appendChild(h('div', { class: 'ws-list-head' }, [h('strong', { text: info.label }), ' ', h('span', { class: 'muted', text: required ? '' : '(' + W('ws_optional') + ')' })]));
      if (info.help) wrap.appendChild(h('p', { class: 'help', text: info.help }));
      wrap.appendChild(list);
      wrap.appendChild(add);
      if (required) addRow();
      get = function () {
        var v = rows.map(function (r) { return r.get(); }).filter(function (x) { return x !== undefined; });
        if (!v.length) { if (required) throw invalid(path, info.label + ': ' + W('ws_required')); return undefined; }
        return v;
      };
      return { el: wrap, get: get };
    }

    if (s.type === 'object' && s.properties) {
      var fs = h('fieldset', { class: 'ws-object', id: id }, [h('legend', {}, [info.label, ' ', h('span', { class: 'muted', text: required ? '' : '(' + W('ws_optional') + ')' })])]);
      var sub = buildFields(s, fs, ctx, path);
      if (s.__def === 'Evidence') fs.insertBefore(evidenceFile(sub), fs.children[1] || null);
      wrap.appendChild(fs);
      get = function () {
        var v = sub.get();
        if (v === undefined && required) throw invalid(path, info.label + ': ' + W('ws_required'));
        return v;
      };
      return { el: wrap, get: get };
    }

    // A single value.
    if (kind === 'commitment') {
      var t = typeInfo(formType);
      var choices = commitmentChoices(path === name && name === 'commitment' ? t.signer : 'any');
      // An item named by the link is offered even if the list would not show it: the ledger,
      // not the picker, decides (and explains) whether this body may act on it.
      if (given && !choices.some(function (c) { return c.id === given; }) && commitmentById(given)) choices.unshift(commitmentById(given));
      control = select(name, choices.map(function (c) { return [c.id, c.id + ' — ' + pick(c.title_uk, c.title_en)]; }), given, required);
      if (name === 'commitment') ctx.commitment = control;
    } else if (kind === 'body' || kind === 'executor') {
      var bodies = (data.bodies || []).filter(function (b) { return b.active && (kind === 'body' || b.roles.indexOf('executor') >= 0); });
      control = select(name, bodies.map(function (b) { return [b.id, pick(b.name_uk, b.name_en) + ' (' + b.id + ')']; }), given, required);
      if (name === 'body') ctx.body = control;
    } else if (kind === 'objective') {
      control = select(name, (data.objectives || []).map(function (o) { return [o.id, o.id + ' — ' + pick(o.title_uk, o.title_en)]; }), given, required);
    } else if (kind === 'inquiry') {
      var qs = (data.inquiries || []).filter(function (q) { return formType !== 'inquiry.answered' || (q.to === data.body && !q.answered); });
      control = select(name, qs.map(function (q) { return [q.id, q.id + ' — ' + q.question]; }), given, required);
    } else if (kind === 'proposal' || kind === 'claim' || kind === 'request' || kind === 'event' || kind === 'indicator') {
      control = select(name, [], given, required);
      var refill = function () {
        var c = ctx.commitment ? commitmentById(ctx.commitment.value) : null;
        var opts = [];
        if (c && kind === 'proposal' && c.pending) opts = [[c.pending.proposal, bodyName(c.pending.proposer) + ' → ' + bodyName(c.pending.to) + ': ' + c.pending.reason]];
        if (c && kind === 'claim') opts = c.claims.slice().reverse().map(function (x) { return [x.id, x.day + ' · ' + bodyName(x.by) + ' · ' + enumLabel('Status', x.status)]; });
        if (c && kind === 'request') opts = c.requests.slice().reverse().map(function (x) { return [x.id, x.day + ' → ' + x.deadline]; });
        if (c && kind === 'event') opts = c.events.map(function (x) { return [x.id, x.day + ' · ' + (data.types[x.type] ? data.types[x.type].label : x.type) + ' · ' + bodyName(x.by)]; });
        if (c && kind === 'indicator') opts = c.indicators.map(function (x) { return [x.id, pick(x.name_uk, x.name_en) + (x.unit ? ' (' + x.unit + ')' : '')]; });
        var keep = control.value || given;
        control.textContent = '';
        control.appendChild(h('option', { value: '', text: opts.length ? W('ws_choose') : W('ws_none_pending') }));
        opts.forEach(function (o) { var op = h('option', { value: o[0], text: o[1] }); if (o[0] === keep) op.selected = true; control.appendChild(op); });
        if (opts.length === 1 && required) control.value = opts[0][0];
      };
      ctx.dependents.push(refill);
    } else if (kind === 'key') {
      control = select(name, [], given, required);
      ctx.dependents.push(function () {
        var owner = ctx.body ? ctx.body.value : data.body;
        var keep = control.value || given;
        control.textContent = '';
        control.appendChild(h('option', { value: '', text: W('ws_choose') }));
        (data.keys || []).filter(function (k) { return k.body === owner && !k.revoked; }).forEach(function (k) {
          var op = h('option', { value: k.id, text: k.id }); if (k.id === keep) op.selected = true; control.appendChild(op);
        });
      });
    } else if (kind === 'choice' && s.enum) {
      control = select(name, s.enum.map(function (v) { return [v, enumLabel(s.__def, v)]; }), given, required);
    } else if (kind === 'date') {
      control = h('input', { type: 'date', name: name, id: id, value: given || '' });
    } else if (kind === 'integer') {
      control = h('input', { type: 'number', step: '1', min: '0', name: name, id: id, value: given || '' });
    } else if (LONG.indexOf(name) >= 0) {
      control = h('textarea', { name: name, id: id, rows: '3' });
      if (given) control.value = given;
    } else {
      control = h('input', { type: 'text', name: name, id: id, value: given || '', inputmode: kind === 'decimal' ? 'decimal' : null, spellcheck: kind === 'text' ? null : 'false', autocomplete: 'off' });
      if (kind === 'new') control.placeholder = W('ws_new_id');
      if (kind === 'sha256') control.maxLength = 64;
      if (kind === 'public-key') useMyKey(control, wrap);
    }
    control.id = id;
    wrap.appendChild(label);
    wrap.appendChild(control);
    // A new body's id is not numbered like an act's items.
    var help = kind === 'new' && (s.format || prop.format) === 'kordon-body-id' ? W('fh_body_id') : info.help;
    if (help) wrap.appendChild(h('p', { class: 'help', text: help }));
    var msg = h('p', { class: 'ws-field-error', role: 'alert', hidden: true });
    wrap.appendChild(msg);
    get = function () {
      var v = control.value;
      if (typeof v === 'string' && control.tagName !== 'SELECT') v = v.trim() === '' ? '' : (kind === 'text' || LONG.indexOf(name) >= 0 ? v : v.trim());
      if (v === '') { if (required) throw invalid(path, info.label + ': ' + W('ws_required')); return undefined; }
      if (s.type === 'integer') {
        if (!/^(0|[1-9][0-9]*)$/.test(v)) throw invalid(path, W('ws_invalid') + ': ' + v);
        return Number(v);
      }
      return check(path, s, v);
    };
    return { el: wrap, get: get };
  }

  /* "Use this browser's key" beside a public key field. */
  function useMyKey(input, wrap) {
    loadKey().then(function (k) {
      if (!k) return;
      var b = h('button', { type: 'button', class: 'secondary small', text: W('ws_key_here') + ': ' + k.keyId });
      b.addEventListener('click', function () { input.value = k.publicKey; });
      wrap.appendChild(b);
    });
  }

  /* Evidence: a file chosen is hashed here; only its SHA-256 goes into the event. */
  function evidenceFile(sub) {
    var input = h('input', { type: 'file', class: 'ws-evidence-file' });
    var note = h('p', { class: 'help', text: W('ws_file_stays') });
    input.addEventListener('change', function () {
      var f = input.files && input.files[0];
      if (!f) return;
      var target = sub.controls.sha256;
      target.value = W('ws_hashing');
      f.arrayBuffer().then(function (buf) { return V.sha256(new Uint8Array(buf)); }).then(function (d) {
        target.value = V.hex(d);
        target.dispatchEvent(new Event('input'));
        if (sub.controls.location && !sub.controls.location.value) sub.controls.location.value = f.name;
      });
    });
    return h('div', { class: 'ws-field' }, [h('label', { text: W('ws_file_hash') }), input, note]);
  }

  /* The fields of an object schema, in the order of the page's field table. */
  function buildFields(s, into, ctx, prefix) {
    var names = Object.keys(s.properties || {}).sort(function (a, b) { return fieldInfo(a).order - fieldInfo(b).order; });
    var req = s.required || [];
    var fields = {};
    var controls = {};
    names.forEach(function (n) {
      var f = field(n, s.properties[n], req.indexOf(n) >= 0, ctx, prefix ? prefix + '.' + n : n);
      fields[n] = f;
      into.appendChild(f.el);
      var c = f.el.querySelector('input, select, textarea');
      if (c) controls[n] = c;
    });
    return {
      controls: controls,
      get: function () {
        var out = {}, any = false;
        names.forEach(function (n) {
          var v = fields[n].get();
          if (v !== undefined) { out[n] = v; any = true; }
        });
        if (!any) {
          // An optional object left empty is omitted; a required one reports its first field.
          if (req.length && prefix) return undefined;
        }
        req.forEach(function (n) { if (out[n] === undefined && prefix) throw invalid(prefix + '.' + n, fieldInfo(n).label + ': ' + W('ws_required')); });
        return any ? out : undefined;
      }
    };
  }

  /* -------------------------------------------------------------------------------------
     Preview, check, sign, submit, receipt. */
  function plainWords(type, body) {
    var parts = [];
    Object.keys(body).sort(function (a, b) { return fieldInfo(a).order - fieldInfo(b).order; }).forEach(function (k) {
      parts.push(fieldInfo(k).label + ': ' + describe(k, body[k]));
    });
    return bodyName(data.body) + ' ' + W('ws_author_signs') + ' «' + data.types[type].label + '». ' + parts.join('; ') + '.';
  }
  function describe(k, v) {
    if (Array.isArray(v)) return v.map(function (x) { return describe(k, x); }).join(', ');
    if (v && typeof v === 'object') return Object.keys(v).map(function (x) { return fieldInfo(x).label + ' ' + describe(x, v[x]); }).join(', ');
    if (k === 'commitment' || k === 'successor' && commitmentById(v)) { var c = commitmentById(v); return c ? v + ' «' + pick(c.title_uk, c.title_en) + '»' : v; }
    if (bodyById(v) && ['to', 'body', 'lead', 'co_executors', 'successor', 'id'].indexOf(k) >= 0) return bodyName(v) + ' (' + v + ')';
    if (k === 'status') return enumLabel('Status', v);
    if (k === 'verdict') return enumLabel('Verdict', v);
    if (k === 'roles') return enumLabel('Role', v);
    if (k === 'components') return enumLabel('Component', v);
    if (k === 'source') return enumLabel('FundingSource', v);
    return String(v);
  }

  function clockOffset(serverMs, sentAt) {
    var now = Date.now();
    var mid = sentAt ? sentAt + (now - sentAt) / 2 : now;
    return mid - serverMs;
  }
  function span(ms) {
    var m = Math.round(Math.abs(ms) / 60000);
    if (m < 120) return m + (data.lang === 'en' ? ' min' : ' хв');
    var hrs = Math.round(m / 60);
    if (hrs < 72) return hrs + (data.lang === 'en' ? ' h' : ' год');
    return Math.round(hrs / 24) + (data.lang === 'en' ? ' days' : ' дн.');
  }
  /* Warns if this computer's clock, which signs `at`, is further from the ledger's than the
     genesis policy allows. Returns true if the clock is acceptable. */
  function clockWarning(offset) {
    var box = $('ws-clock');
    if (!box) return true;
    var p = data.policy || { max_age_seconds: 604800, max_future_seconds: 300 };
    var msg = null;
    if (offset > p.max_future_seconds * 1000) msg = W('ws_clock_ahead').replace('{n}', span(offset)).replace('{max}', span(p.max_future_seconds * 1000));
    else if (-offset > p.max_age_seconds * 1000) msg = W('ws_clock_behind').replace('{n}', span(offset)).replace('{max}', span(p.max_age_seconds * 1000));
    box.hidden = !msg;
    box.setAttribute('data-offset-ms', String(Math.round(offset)));
    box.textContent = msg || '';
    return !msg;
  }
  function initialClock() {
    var nav = performance.getEntriesByType && performance.getEntriesByType('navigation')[0];
    var at = nav ? performance.timeOrigin + nav.responseStart : Date.now();
    clockWarning(at - data.server_now_ms);
  }

  function dryRun(events) {
    var sent = Date.now();
    return fetch('/entries/check?lang=' + encodeURIComponent(data.lang), {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
      body: JSON.stringify({ events: events.map(function (b) { return { event: b64(b) }; }) })
    }).then(function (r) {
      if (!r.ok) return r.json().then(function (p) { throw new Error(p.detail || ('HTTP ' + r.status)); });
      return r.json();
    }).then(function (ans) {
      if (ans.max_future_seconds !== undefined) data.policy = { max_age_seconds: ans.max_age_seconds, max_future_seconds: ans.max_future_seconds };
      clockWarning(clockOffset(ans.recorded_at_ms, sent));
      return ans;
    });
  }

  function sign(key, bytes) {
    return crypto.subtle.sign({ name: 'Ed25519' }, key.privateKey, V.concat(CONTEXT, bytes)).then(function (s) { return new Uint8Array(s); });
  }

  function showVerdict(box, result) {
    box.textContent = '';
    if (result.ok) {
      box.setAttribute('data-verdict', 'ok');
      box.appendChild(h('p', { text: W('ws_check_ok') }));
    } else {
      box.setAttribute('data-verdict', 'refused');
      box.setAttribute('data-code', result.code);
      box.appendChild(h('p', {}, [h('strong', { text: W('ws_check_refused') }), ' ', h('span', { class: 'ws-explanation', text: result.explanation })]));
      box.appendChild(h('p', { class: 'muted small', text: W('ws_code') + ': ' + result.code }));
    }
  }

  /* Shows a receipt, verifies it with verify.js against the pinned key, keeps it. */
  function receiptPanel(box, receipt, signedBytes, signature, type) {
    box.hidden = false;
    var head = h('p', { class: 'ws-recorded' }, [W('ws_recorded') + ' ', h('strong', { id: 'ws-seq', text: String(receipt.seq) })]);
    box.appendChild(head);
    var list = h('ul', { class: 'ws-steps', id: 'ws-receipt-steps' });
    box.appendChild(list);
    var status = h('p', { class: 'ws-receipt-status', id: 'ws-receipt-status', 'data-result': 'running', role: 'status' });
    box.appendChild(status);
    return pinnedVkey().then(function (vkey) {
      return V.verifyReceipt(receipt, vkey).then(function (res) {
        var entry = res.entry;
        var same = !!entry && V.same(entry.slice(113), signedBytes) && V.same(entry.slice(49, 113), signature);
        res.steps.push({ name: 'mine', ok: same, detail: receipt.event_id });
        var names = { entry: W('ws_step_entry'), checkpoint: W('step_checkpoint'), proof: W('step_proof'), mine: W('ws_step_mine'), error: W('ws_receipt_failed') };
        res.steps.forEach(function (s) {
          list.appendChild(h('li', { 'data-ok': s.ok ? 'true' : 'false' }, [h('span', { class: 'mark', text: s.ok ? '✓' : '✗' }), ' ', names[s.name] || s.name, ' ', h('span', { class: 'detail', text: s.detail })]));
        });
        var ok = res.ok && same;
        status.setAttribute('data-result', ok ? 'ok' : 'fail');
        status.textContent = ok ? W('ws_receipt_verified') : W('ws_receipt_failed');
        if (res.checkpoint) {
          box.appendChild(h('p', { class: 'ws-fingerprint' }, [W('ws_fingerprint') + ': ', h('q', { text: fingerprint(data.origin, res.checkpoint.size, res.checkpoint.root) })]));
        }
        box.appendChild(downloadLink(receipt));
        return saveReceipt({ origin: data.origin, body: data.body, seq: receipt.seq, event_id: receipt.event_id, type: type, verified: ok, saved: Date.now(), receipt: receipt }).then(function () { return ok; });
      });
    });
  }
  function downloadLink(receipt) {
    var blob = new Blob([JSON.stringify(receipt, null, 2) + '\n'], { type: 'application/json' });
    return h('p', {}, [h('a', { class: 'button', href: URL.createObjectURL(blob), download: 'receipt-' + receipt.seq + '.json', 'data-receipt': String(receipt.seq), text: W('ws_receipt_download') })]);
  }

  function problemText(r) {
    return r.json().then(function (p) { return (p.detail || p.title || ('HTTP ' + r.status)); }, function () { return 'HTTP ' + r.status; });
  }

  /* -------------------------------------------------------------------------------------
     The form page. */
  function formPage() {
    var form = $('ws-form');
    if (!form) return;
    formType = form.getAttribute('data-type');
    var review = $('ws-review'), verdict = $('ws-verdict'), signBtn = $('ws-sign');
    var fieldsBox = $('ws-fields');
    var built, pending = null;
    initialClock();
    schema().then(function () {
      var t = typeInfo(formType);
      var bodySchema = resolve(t.body);
      // Members a rule of this type requires although the body type has them optional.
      if (t.required_by_rule && t.required_by_rule.length) bodySchema = Object.assign({}, bodySchema, { required: (bodySchema.required || []).concat(t.required_by_rule) });
      fieldsBox.textContent = '';
      var ctx = { dependents: [] };
      built = buildFields(bodySchema, fieldsBox, ctx, '');
      var refresh = function () { ctx.dependents.forEach(function (f) { f(); }); };
      if (ctx.commitment) ctx.commitment.addEventListener('change', refresh);
      if (ctx.body) ctx.body.addEventListener('change', refresh);
      refresh();
      form.setAttribute('data-ready', 'true');
    }).catch(function (e) { fieldsBox.textContent = String(e.message || e); });

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      Array.prototype.forEach.call(form.querySelectorAll('.ws-field-error'), function (m) { m.hidden = true; });
      Array.prototype.forEach.call(form.querySelectorAll('[aria-invalid]'), function (m) { m.removeAttribute('aria-invalid'); });
      var body;
      try {
        body = built.get() || {};
      } catch (err) {
        var w = form.querySelector('[data-field="' + (err.field || '') + '"]');
        var m = w && w.querySelector('.ws-field-error');
        if (m) { m.textContent = err.message; m.hidden = false; }
        var c = w && w.querySelector('input, select, textarea');
        if (c) { c.setAttribute('aria-invalid', 'true'); c.focus(); }
        return;
      }
      loadKey().then(function (key) {
        review.hidden = false;
        signBtn.disabled = true;
        verdict.textContent = W('ws_checking');
        verdict.removeAttribute('data-verdict');
        var ev = { ledger: data.origin, id: randomId(), type: formType, author: data.body, key: key ? key.keyId : '0000000000000000', at: isoTime(Date.now()), body: body };
        var bytes = encodeEvent(ev);
        pending = { ev: ev, bytes: bytes, key: key };
        $('ws-plain').textContent = plainWords(formType, body);
        $('ws-json').textContent = new TextDecoder().decode(bytes);
        return dryRun([bytes]).then(function (ans) {
          var r = ans.results[0];
          // Without a key of this body, the check can only say the key is unknown.
          if (!key && !r.ok && r.code === 'key.unknown') { verdict.textContent = W('ws_no_key_to_sign'); verdict.setAttribute('data-verdict', 'nokey'); return; }
          showVerdict(verdict, r);
          signBtn.disabled = !r.ok || !key || keyState(key) !== 'ready';
          if (!key) verdict.appendChild(h('p', { text: W('ws_no_key_to_sign') }));
        });
      }).catch(function (err) { verdict.textContent = String(err.message || err); });
      review.scrollIntoView && review.scrollIntoView();
    });

    $('ws-edit').addEventListener('click', function () { review.hidden = true; pending = null; });

    signBtn.addEventListener('click', function () {
      if (!pending || !pending.key) return;
      signBtn.disabled = true;
      var p = pending;
      // The time signed is now: re-encode with it (the preview's JSON is updated).
      p.ev.at = isoTime(Date.now());
      p.bytes = encodeEvent(p.ev);
      $('ws-json').textContent = new TextDecoder().decode(p.bytes);
      verdict.textContent = W('ws_signing');
      sign(p.key, p.bytes).then(function (sig) {
        verdict.textContent = W('ws_submitting');
        return fetch('/entries', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
          body: JSON.stringify({ event: b64(p.bytes), signature: b64(sig) })
        }).then(function (r) {
          if (r.status !== 201) return problemText(r).then(function (t) { throw new Error(t); });
          return r.json();
        }).then(function (receipt) {
          verdict.textContent = '';
          review.hidden = true;
          form.hidden = true;
          var box = $('ws-receipt');
          return receiptPanel(box, receipt, p.bytes, sig, p.ev.type).then(function () {
            box.appendChild(h('p', {}, [h('a', { href: '/workspace?body=' + encodeURIComponent(data.body), text: W('ws_another') })]));
          });
        });
      }).catch(function (err) {
        verdict.setAttribute('data-verdict', 'refused');
        verdict.textContent = String(err.message || err);
      });
    });
  }

  /* -------------------------------------------------------------------------------------
     The keys page. */
  function keysPage() {
    var box = $('ws-keybox');
    if (!box) return;
    var msg = $('ws-key-msg');
    function show(k) {
      showKeyState(k);
      var detail = $('ws-key-detail');
      detail.textContent = '';
      detail.appendChild(h('p', { id: 'ws-key-state', 'data-state': keyState(k), text: W('ws_key_' + keyState(k)) }));
      var pub = $('ws-public');
      if (k) {
        detail.appendChild(h('p', {}, [fieldInfo('key').label + ': ', h('code', { id: 'ws-key-id', text: k.keyId })]));
        pub.hidden = false;
        $('ws-public-text').value = k.publicKey;
        $('ws-qr').src = '/workspace/qr.svg?text=' + encodeURIComponent(k.publicKey);
      } else {
        pub.hidden = true;
      }
    }
    supported().then(function (ok) {
      if (!ok) { msg.textContent = W('ws_key_unsupported'); return; }
      loadKey().then(show);
    });
    $('ws-generate').addEventListener('click', function () {
      generateKey().then(function (k) { show(k); msg.textContent = W('ws_key_made'); }, function (e) { msg.textContent = String(e.message || e); });
    });
    var file = $('ws-pem-file');
    file.addEventListener('change', function () {
      var f = file.files && file.files[0];
      if (f) f.text().then(function (t) { $('ws-pem').value = t; });
    });
    $('ws-import').addEventListener('click', function () {
      var area = $('ws-pem');
      importPem(area.value).then(function (k) {
        area.value = '';
        file.value = '';
        show(k);
        msg.textContent = W('ws_key_imported');
      }, function (e) { msg.textContent = String(e.message || e); });
    });
    $('ws-forget').addEventListener('click', function () {
      if (!window.confirm(W('ws_forget_confirm'))) return;
      forgetKey().then(function () { show(null); msg.textContent = W('ws_key_forgotten'); });
    });
  }

  /* -------------------------------------------------------------------------------------
     The plan page: read the file on the server (it only parses), review, dry-run the batch,
     sign every row here, submit as one batch, verify every receipt. */
  function planPage() {
    var form = $('ws-plan-form');
    if (!form) return;
    var rowsBody = $('ws-plan-rows').querySelector('tbody');
    var signBtn = $('ws-plan-sign');
    var verdict = $('ws-verdict');
    var ready = null;
    initialClock();
    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var f = $('ws-plan-file').files[0];
      if (!f) return;
      signBtn.disabled = true;
      ready = null;
      var q = '?prefix=' + encodeURIComponent($('ws-plan-prefix').value) + '&act=' + encodeURIComponent($('ws-plan-act').value);
      f.arrayBuffer().then(function (buf) {
        return fetch('/plans/parse' + q, { method: 'POST', headers: { 'Content-Type': 'application/octet-stream' }, body: buf, credentials: 'same-origin' });
      }).then(function (r) { if (!r.ok) return problemText(r).then(function (t) { throw new Error(t); }); return r.json(); })
        .then(function (plan) {
          $('ws-plan-review').hidden = false;
          rowsBody.textContent = '';
          var warnings = 0;
          var fileProblems = plan.problems.map(function (p) { return pick(p.text_uk, p.text_en); });
          plan.rows.forEach(function (r) {
            var probs = r.problems.map(function (p) { if (p.severity === 'warning') warnings++; return h('li', { class: 'sev-' + p.severity, 'data-kind': p.kind, text: pick(p.text_uk, p.text_en) }); });
            var cell = function (c) { var x = r.cells.filter(function (y) { return y[0] === c; })[0]; return x ? x[1] : ''; };
            rowsBody.appendChild(h('tr', { 'data-line': String(r.line), 'data-ok': r.body ? 'true' : 'false' }, [
              h('td', { text: String(r.line) }),
              h('td', { text: r.body ? r.body.id : cell('id') }),
              h('td', { text: cell('measure') }),
              h('td', { text: r.body ? [bodyName(r.body.lead)].concat((r.body.co_executors || []).map(bodyName)).join('; ') : cell('executors') }),
              h('td', { text: r.body && r.body.indicators ? r.body.indicators.map(function (x) { return x.name_uk + ': ' + (x.baseline || '—') + ' → ' + (x.target || '—') + (x.unit ? ' ' + x.unit : ''); }).join('; ') : cell('indicator') }),
              h('td', { text: r.body && r.body.funding ? r.body.funding.amount + ' ' + r.body.funding.currency + ', ' + enumLabel('FundingSource', r.body.funding.source) : cell('funding') }),
              h('td', { text: r.body ? dayText(r.body.deadline) : cell('deadline') }),
              h('td', {}, [h('ul', { class: 'ws-problems' }, probs)]),
            ]));
          });
          $('ws-plan-summary').textContent = W('ws_plan_rows') + ' ' + plan.rows.length + '. ' + W('ws_plan_errors') + ' ' + plan.errors + '. ' + W('ws_plan_warnings') + ' ' + warnings + '. ' + fileProblems.join(' ');
          if (plan.errors || !plan.rows.length) return;
          return loadKey().then(function (key) {
            var evs = plan.rows.map(function (r) {
              return { ledger: data.origin, id: randomId(), type: 'commitment.assigned', author: data.body, key: key ? key.keyId : '0000000000000000', at: isoTime(Date.now()), body: r.body };
            });
            var bytes = evs.map(encodeEvent);
            verdict.textContent = W('ws_checking');
            return dryRun(bytes).then(function (ans) {
              var bad = ans.results.filter(function (x) { return !x.ok; });
              ans.results.forEach(function (x, i) {
                var tr = rowsBody.children[i];
                tr.setAttribute('data-check', x.ok ? 'ok' : x.code);
                if (!x.ok) tr.lastChild.firstChild.appendChild(h('li', { class: 'sev-error', text: x.explanation }));
              });
              if (bad.length) { showVerdict(verdict, bad[0]); return; }
              verdict.setAttribute('data-verdict', 'ok');
              verdict.textContent = W('ws_plan_ok');
              if (!key || keyState(key) !== 'ready') { verdict.appendChild(h('p', { text: W('ws_no_key_to_sign') })); return; }
              ready = { evs: evs, key: key };
              signBtn.disabled = false;
            });
          });
        }).catch(function (err) { verdict.textContent = String(err.message || err); });
    });
    signBtn.addEventListener('click', function () {
      if (!ready) return;
      signBtn.disabled = true;
      var r = ready;
      var now = isoTime(Date.now());
      r.evs.forEach(function (ev) { ev.at = now; });
      var bytes = r.evs.map(encodeEvent);
      verdict.textContent = W('ws_signing');
      Promise.all(bytes.map(function (b) { return sign(r.key, b); })).then(function (sigs) {
        verdict.textContent = W('ws_submitting');
        return fetch('/entries/batch', {
          method: 'POST', headers: { 'Content-Type': 'application/json' }, credentials: 'same-origin',
          body: JSON.stringify({ submissions: bytes.map(function (b, i) { return { event: b64(b), signature: b64(sigs[i]) }; }) })
        }).then(function (resp) { if (!resp.ok) return problemText(resp).then(function (t) { throw new Error(t); }); return resp.json(); })
          .then(function (ans) {
            var box = $('ws-receipt');
            var done = 0;
            var chain = Promise.resolve();
            ans.results.forEach(function (x, i) {
              if (x.status === 201 && x.receipt) {
                done++;
                var part = h('div', { class: 'ws-receipt-part' });
                box.appendChild(part);
                chain = chain.then(function () { return receiptPanel(part, x.receipt, bytes[i], sigs[i], 'commitment.assigned'); });
              }
            });
            verdict.textContent = W('ws_plan_recorded') + ' ' + done + ' / ' + bytes.length;
            verdict.setAttribute('data-recorded', String(done));
            box.hidden = false;
            return chain;
          });
      }).catch(function (err) { verdict.textContent = String(err.message || err); });
    });
  }

  /* -------------------------------------------------------------------------------------
     My body: the key's state and the receipts kept in this browser. */
  function receiptsList() {
    var box = $('ws-receipts');
    if (!box) return;
    allReceipts().then(function (all) {
      var mine = (all || []).filter(function (r) { return r.origin === data.origin && r.body === data.body; }).reverse();
      box.textContent = '';
      if (!mine.length) { box.appendChild(h('p', { class: 'empty', text: W('ws_no_receipts') })); return; }
      var ul = h('ul', { class: 'ws-receipt-list' });
      mine.forEach(function (r) {
        var label = (data.types[r.type] ? data.types[r.type].label : r.type) + ' · №' + r.seq + ' · ' + new Date(r.saved).toLocaleString(data.lang === 'en' ? 'en-GB' : 'uk-UA');
        ul.appendChild(h('li', { 'data-seq': String(r.seq) }, [r.verified ? '✓ ' : '✗ ', label, ' ', downloadLink(r.receipt)]));
      });
      box.appendChild(ul);
    });
  }

  function start() {
    if (!data) return;
    var ready = supported().then(function (ok) {
      if (!ok) {
        var box = $('ws-key');
        if (box) { box.setAttribute('data-state', 'unsupported'); $('ws-key-text').textContent = W('ws_key_unsupported'); }
        return;
      }
      return loadKey().then(showKeyState);
    });
    formPage();
    keysPage();
    planPage();
    receiptsList();
    window.kordonWorkspace.ready = ready;
  }

  window.kordonWorkspace = { canonical: canonical, encodeEvent: encodeEvent, isoTime: isoTime, ready: null };
  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})();
