/* kordon's verification in the browser, shared by the Integrity page (dashboard.js) and the
   workspace's receipts (workspace.js): hex and base64, SHA-256 and Ed25519 through Web Crypto,
   C2SP verifier keys, signed notes and tlog-proofs, RFC 9162 inclusion proofs, following
   events/SPEC.md §2, §7–§10. Loaded as a file before the pages' scripts; it only defines
   window.kordonVerify. */
(function () {
'use strict';

var enc = new TextEncoder();

function hex(bytes) {
  var s = '';
  for (var i = 0; i < bytes.length; i++) s += (bytes[i] < 16 ? '0' : '') + bytes[i].toString(16);
  return s;
}
function fromHex(s) {
  if (typeof s !== 'string' || !/^([0-9a-f]{2})*$/.test(s)) throw new Error('not lowercase hex: ' + String(s).slice(0, 80));
  var out = new Uint8Array(s.length / 2);
  for (var i = 0; i < out.length; i++) out[i] = parseInt(s.substr(i * 2, 2), 16);
  return out;
}
/* Standard base64 with padding, in its one spelling (SPEC.md §1): atob forgives missing
   padding and non-zero pad bits, so the text must be what the bytes encode to. */
function fromB64(s) {
  s = String(s).trim();
  var bin = atob(s);
  if (btoa(bin) !== s) throw new Error('not canonical base64: ' + s.slice(0, 80));
  var out = new Uint8Array(bin.length);
  for (var i = 0; i < bin.length; i++) out[i] = bin.charCodeAt(i);
  return out;
}
function concat() {
  var n = 0, i;
  for (i = 0; i < arguments.length; i++) n += arguments[i].length;
  var out = new Uint8Array(n), at = 0;
  for (i = 0; i < arguments.length; i++) { out.set(arguments[i], at); at += arguments[i].length; }
  return out;
}
function same(a, b) {
  if (a.length !== b.length) return false;
  for (var i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
function sha256(bytes) {
  return crypto.subtle.digest('SHA-256', bytes).then(function (d) { return new Uint8Array(d); });
}
function ed25519Key(raw) {
  return crypto.subtle.importKey('raw', raw, { name: 'Ed25519' }, false, ['verify']);
}
function ed25519Verify(key, sig, msg) {
  return crypto.subtle.verify({ name: 'Ed25519' }, key, sig, msg);
}
function fetchOk(url, as) {
  return fetch(url, { cache: 'no-store', credentials: 'same-origin' }).then(function (r) {
    if (!r.ok) throw new Error('GET ' + url + ': HTTP ' + r.status);
    return as === 'text' ? r.text() : r.json();
  });
}

/* A sequence number in its one spelling: digits, no sign, no leading zeros. */
var SEQ = /^(0|[1-9][0-9]*)$/;

/* C2SP verifier key: name+keyid+base64(0x01 ‖ key), split at the first two '+'. */
function parseVkey(text) {
  text = String(text).trim();
  var i = text.indexOf('+');
  var j = text.indexOf('+', i + 1);
  if (i <= 0 || j < 0) throw new Error('the verifier key is not name+keyid+key');
  var name = text.slice(0, i);
  var id = text.slice(i + 1, j);
  var key = fromB64(text.slice(j + 1));
  if (!/^[0-9a-f]{8}$/.test(id)) throw new Error('the verifier key id is not 8 hex digits');
  if (key.length !== 33 || key[0] !== 1) throw new Error('the verifier key is not an Ed25519 key');
  return { name: name, id: id, pub: key.slice(1) };
}

/* A C2SP signed note: the text ends at the last blank line; signature lines follow. */
/* White_Space (SPEC.md §1): the 25 code points a key name may not hold. */
var WHITE_SPACE = /[\u0009-\u000d\u0020\u0085\u00a0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]/;

/* A C2SP signed note (SPEC.md §10.2): no control characters but newlines; the text ends at the
   last blank line; 1 to 100 signature lines "— name base64", each name non-empty, without
   White_Space or '+', each signature at least 5 bytes. Every line is checked, also those of
   other keys. */
function parseNote(note) {
  for (var c = 0; c < note.length; c++) {
    var code = note.charCodeAt(c);
    if (code < 0x20 && code !== 0x0a) throw new Error('the checkpoint holds a control character');
  }
  var idx = note.lastIndexOf('\n\n');
  if (idx < 0) throw new Error('the checkpoint has no signature lines');
  var text = note.slice(0, idx + 1);
  var sigs = [];
  var tail = note.slice(idx + 2);
  if (tail.slice(-1) !== '\n') throw new Error('the last signature line does not end with a newline');
  var lines = tail.slice(0, -1).split('\n');
  if (lines.length < 1 || lines.length > 100) throw new Error('a note has 1 to 100 signature lines');
  for (var i = 0; i < lines.length; i++) {
    var l = lines[i];
    if (l.indexOf('\u2014 ') !== 0) throw new Error('a signature line does not start with an em dash');
    var rest = l.slice(2);
    var sp = rest.lastIndexOf(' ');
    if (sp <= 0) throw new Error('a signature line has no key name');
    var name = rest.slice(0, sp);
    if (WHITE_SPACE.test(name) || name.indexOf('+') >= 0) throw new Error('a signature line has an invalid key name');
    var bytes = fromB64(rest.slice(sp + 1));
    if (bytes.length < 5) throw new Error('a signature is shorter than 5 bytes');
    sigs.push({ name: name, bytes: bytes });
  }
  var body = text.split('\n');
  if (body.length < 4) throw new Error('the checkpoint text is not origin, size and root');
  if (!/^(0|[1-9][0-9]*)$/.test(body[1])) throw new Error('the checkpoint size is not a number');
  return { text: text, sigs: sigs, origin: body[0], size: Number(body[1]), root: fromB64(body[2]) };
}

/* RFC 9162 §2.1.3.2: the root an audit path leads to from a leaf. */
function inclusionRoot(index, size, leaf, proof) {
  if (index >= size) return Promise.reject(new Error('the entry is beyond the checkpoint'));
  var fn = index, sn = size - 1;
  var r = Promise.resolve(leaf);
  var steps = [];
  for (var i = 0; i < proof.length; i++) {
    if (sn === 0) return Promise.reject(new Error('the proof is longer than the tree is deep'));
    var p = proof[i];
    if (fn % 2 === 1 || fn === sn) {
      steps.push({ left: p });
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) { fn = Math.floor(fn / 2); sn = Math.floor(sn / 2); }
      }
    } else {
      steps.push({ right: p });
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  if (sn !== 0) return Promise.reject(new Error('the proof is shorter than the tree is deep'));
  steps.forEach(function (s) {
    r = r.then(function (acc) {
      var one = new Uint8Array([1]);
      return sha256(s.left ? concat(one, s.left, acc) : concat(one, acc, s.right));
    });
  });
  return r;
}

/* A C2SP tlog-proof (c2sp.org/tlog-proof): header, optional extra, "index N", the inclusion
   proof's hashes in base64, an empty line, then the signed checkpoint verbatim. */
function parseTlogProof(text) {
  var cut = text.indexOf('\n\n');
  if (cut < 0) throw new Error('tlog-proof: no empty line before the checkpoint');
  var head = text.slice(0, cut).split('\n');
  var checkpoint = text.slice(cut + 2);
  if (head[0] !== 'c2sp.org/tlog-proof@v1') throw new Error('tlog-proof: the first line must be c2sp.org/tlog-proof@v1');
  var i = 1;
  if (head[i] && head[i].indexOf('extra ') === 0) i++;
  var m = /^index (0|[1-9][0-9]*)$/.exec(head[i] || '');
  if (!m) throw new Error('tlog-proof: missing or malformed index line');
  var proof = head.slice(i + 1).map(function (l) {
    var h = fromB64(l);
    if (h.length !== 32) throw new Error('tlog-proof: a proof hash is not 32 bytes');
    return h;
  });
  return { index: Number(m[1]), proof: proof, checkpoint: checkpoint };
}

/* Opens a signed checkpoint with a verifier key: the lines named and keyed like the ledger's
   key must all verify, and at least one must be there (SPEC.md §10.2). A malformed note or key
   rejects the promise, never throws. */
function verifyCheckpoint(note, vkeyText) {
  var vkey, cp;
  return Promise.resolve().then(function () {
    vkey = parseVkey(vkeyText);
    cp = parseNote(note);
    if (cp.origin !== vkey.name) throw new Error('the checkpoint origin ' + cp.origin + ' is not the key name ' + vkey.name);
    return ed25519Key(vkey.pub);
  }).then(function (key) {
    return sha256(concat(enc.encode(vkey.name), new Uint8Array([10, 1]), vkey.pub)).then(function (id) {
      if (hex(id.slice(0, 4)) !== vkey.id) throw new Error('the verifier key id does not match its key');
      var mine = cp.sigs.filter(function (s) { return s.name === vkey.name && s.bytes.length === 68 && hex(s.bytes.slice(0, 4)) === vkey.id; });
      if (!mine.length) throw new Error('no signature line of ' + vkey.name + '+' + vkey.id);
      return Promise.all(mine.map(function (s) { return ed25519Verify(key, s.bytes.slice(4), enc.encode(cp.text)); }));
    }).then(function (oks) {
      if (!oks.every(Boolean)) throw new Error('the checkpoint signature does not verify with the ledger key');
      return cp;
    });
  });
}

/* Checks a receipt (kordon-receipt/v1, kordon_core::receipt) as `kordon receipt verify` does,
   with the verifier key the caller pins: the entry's leaf hash, the checkpoint's signature and
   the inclusion proof from the leaf to the checkpoint's root. Resolves to a list of steps
   {name, ok, detail}; never rejects. */
function verifyReceipt(r, vkeyText) {
  var steps = [];
  function step(name, ok, detail) { steps.push({ name: name, ok: !!ok, detail: detail || '' }); return ok; }
  var entry, leaf, tp, cp;
  return Promise.resolve().then(function () {
    if (!r || r.receipt !== 'kordon-receipt/v1') throw new Error('not a kordon-receipt/v1');
    entry = fromB64(r.entry);
    if (entry.length < 115 || entry[0] !== 1) throw new Error('the entry is not a version 1 entry');
    var seq = Number(new DataView(entry.buffer, entry.byteOffset, entry.byteLength).getBigUint64(1));
    if (seq !== r.seq) throw new Error('the entry says seq ' + seq + ', the receipt ' + r.seq);
    return sha256(concat(new Uint8Array([0]), entry));
  }).then(function (h) {
    leaf = h;
    step('entry', hex(leaf) === r.leaf_hash, '#' + r.seq + ': ' + hex(leaf));
    tp = parseTlogProof(r.tlog_proof);
    if (tp.index !== r.seq) throw new Error('the proof is for index ' + tp.index + ', not ' + r.seq);
    return verifyCheckpoint(tp.checkpoint, vkeyText).then(function (c) {
      cp = c;
      step('checkpoint', true, cp.origin + ' · ' + cp.size + ' · ' + hex(cp.root));
    }, function (e) {
      step('checkpoint', false, String(e.message || e));
      throw e;
    });
  }).then(function () {
    return inclusionRoot(r.seq, cp.size, leaf, tp.proof).then(function (root) {
      step('proof', same(root, cp.root), hex(root));
    }, function (e) { step('proof', false, String(e.message || e)); });
  }).then(function () {
    return { ok: steps.length === 3 && steps.every(function (s) { return s.ok; }), steps: steps, checkpoint: cp, entry: entry };
  }, function (e) {
    if (!steps.length || steps[steps.length - 1].ok) step('error', false, String(e.message || e));
    return { ok: false, steps: steps, checkpoint: cp, entry: entry };
  });
}

window.kordonVerify = {
  hex: hex, fromHex: fromHex, fromB64: fromB64, concat: concat, same: same, sha256: sha256,
  ed25519Key: ed25519Key, ed25519Verify: ed25519Verify, fetchOk: fetchOk, SEQ: SEQ,
  parseVkey: parseVkey, parseNote: parseNote, inclusionRoot: inclusionRoot,
  parseTlogProof: parseTlogProof, verifyCheckpoint: verifyCheckpoint, verifyReceipt: verifyReceipt
};
})();
