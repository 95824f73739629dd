/* kordon dashboard script. Every page reads without it; it adds: dates in the reader's locale,
   live filtering and sorting of the commitments table, a CSV of the rows shown, chart
   read-outs, a print button, copy buttons for the fingerprint, the words beside date fields,
   and the in-browser verification of a record with Web Crypto (Ed25519, SHA-256), following
   events/SPEC.md. Loaded as a file: the pages' policy forbids inline script. */
(function () {
  'use strict';

  var doc = document;
  var words = {};
  try {
    var data = doc.getElementById('kordon-i18n');
    if (data) words = JSON.parse(data.textContent || '{}');
  } catch (e) {
    words = {};
  }
  function t(k) {
    return Object.prototype.hasOwnProperty.call(words, k) ? words[k] : k;
  }
  var pageLang = doc.documentElement.getAttribute('lang') || 'uk';
  var ledgerTz = doc.documentElement.getAttribute('data-tz') || 'UTC';

  /* ---------------------------------------------------------------------------------------
     Dates: the server writes ISO dates inside <time datetime>; show them in the reader's
     locale (a browser language of the page's language if the reader has one). */
  function locale() {
    var langs = navigator.languages && navigator.languages.length ? navigator.languages : [navigator.language || ''];
    for (var i = 0; i < langs.length; i++) {
      var l = String(langs[i] || '');
      if (l.toLowerCase().split('-')[0] === pageLang) return l;
    }
    return pageLang === 'uk' ? 'uk-UA' : 'en-GB';
  }

  function localizeTimes(root) {
    var dateFmt, dtFmt;
    try {
      dateFmt = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeZone: 'UTC' });
      dtFmt = new Intl.DateTimeFormat(locale(), { dateStyle: 'medium', timeStyle: 'short', timeZone: ledgerTz });
    } catch (e) {
      return;
    }
    var times = root.querySelectorAll('time[datetime]');
    for (var i = 0; i < times.length; i++) {
      var el = times[i];
      var v = el.getAttribute('datetime');
      var d;
      if (/^\d{4}-\d{2}-\d{2}$/.test(v)) {
        d = new Date(v + 'T00:00:00Z');
        if (!isNaN(d.getTime())) {
          el.title = v;
          el.textContent = dateFmt.format(d);
        }
      } else {
        d = new Date(v);
        if (!isNaN(d.getTime())) {
          el.title = v + ' (UTC)';
          el.textContent = dtFmt.format(d);
        }
      }
    }
  }

  /* ---------------------------------------------------------------------------------------
     CSV: the rows shown, as the reader sees them (dates in ISO form). A cell a spreadsheet
     would read as a formula gets a leading apostrophe, as the server's CSV does. */
  function csvCell(s) {
    s = String(s);
    /* Also after leading white space, and the full-width forms a spreadsheet folds to ASCII. */
    if (s.trim() !== '' && isNaN(Number(s)) &&
        /^[^\S\t\r]*[=+\-@\t\r\uFF1D\uFF0B\uFF0D\uFF20]/.test(s)) s = "'" + s;
    if (/[",\r\n]/.test(s) || s !== s.trim()) s = '"' + s.replace(/"/g, '""') + '"';
    return s;
  }

  function cellText(cell) {
    if (cell.hasAttribute('data-csv')) return cell.getAttribute('data-csv');
    return (cell.textContent || '').replace(/\s+/g, ' ').trim();
  }

  function tableCsv(table) {
    var lines = [];
    var head = table.tHead.rows[0].cells;
    var h = [];
    for (var i = 0; i < head.length; i++) h.push(csvCell(cellText(head[i])));
    lines.push(h.join(','));
    var rows = table.tBodies[0].rows;
    for (var r = 0; r < rows.length; r++) {
      if (rows[r].hidden) continue;
      var cells = rows[r].cells;
      var line = [];
      for (var c = 0; c < cells.length; c++) line.push(csvCell(cellText(cells[c])));
      lines.push(line.join(','));
    }
    return '\ufeff' + lines.join('\r\n') + '\r\n';
  }

  /* A download's name: what it is, the day shown and the checkpoint's size, as the server's. */
  function fileName(stem) {
    var cp = doc.getElementById('checkpoint');
    var day = doc.getElementById('as-of');
    var parts = [stem];
    if (day && day.value) parts.push(day.value);
    if (cp && cp.getAttribute('data-size')) parts.push(cp.getAttribute('data-size'));
    return parts.join('-') + '.csv';
  }

  function download(name, text, type) {
    var blob = new Blob([text], { type: type });
    var url = URL.createObjectURL(blob);
    var a = doc.createElement('a');
    a.href = url;
    a.download = name;
    a.hidden = true;
    doc.body.appendChild(a);
    a.click();
    a.remove();
    setTimeout(function () { URL.revokeObjectURL(url); }, 30000);
  }

  /* ---------------------------------------------------------------------------------------
     The commitments table: the same filters as the server's, applied as they change. */
  var FILTERS = ['body', 'objective', 'component', 'involving', 'status', 'overdue', 'no_evidence', 'q'];

  function commitments() {
    var form = doc.getElementById('filters');
    var table = doc.getElementById('commitments');
    if (!form || !table) return;
    var paged = table.getAttribute('data-paged') === '1';
    var tbody = table.tBodies[0];
    var shown = doc.getElementById('rows-shown');
    var noRows = doc.getElementById('no-rows');
    var csvAll = doc.getElementById('csv-all');
    var csvButton = doc.getElementById('csv-download');

    function values() {
      var v = {};
      for (var i = 0; i < FILTERS.length; i++) {
        var el = form.elements.namedItem(FILTERS[i]);
        if (!el) { v[FILTERS[i]] = ''; continue; }
        if (el.type === 'checkbox') v[FILTERS[i]] = el.checked ? '1' : '';
        else v[FILTERS[i]] = String(el.value || '').trim();
      }
      return v;
    }

    function syncUrl(v) {
      var params = new URLSearchParams(location.search);
      for (var i = 0; i < FILTERS.length; i++) {
        if (v[FILTERS[i]]) params.set(FILTERS[i], v[FILTERS[i]]);
        else params.delete(FILTERS[i]);
      }
      params.delete('page');
      var qs = params.toString();
      history.replaceState(null, '', location.pathname + (qs ? '?' + qs : '') + location.hash);
      if (csvAll) {
        params.set('format', 'csv');
        csvAll.setAttribute('href', location.pathname + '?' + params.toString());
      }
    }

    function apply() {
      var v = values();
      var q = v.q.toLowerCase();
      var n = 0;
      var rows = tbody.rows;
      for (var i = 0; i < rows.length; i++) {
        var d = rows[i].dataset;
        var ok = (!v.body || (' ' + d.bodies + ' ').indexOf(' ' + v.body + ' ') >= 0) &&
          (!v.objective || d.objective === v.objective) &&
          (!v.component || (' ' + d.components + ' ').indexOf(' ' + v.component + ' ') >= 0) &&
          (!v.involving || (' ' + d.involving + ' ').indexOf(' ' + v.involving + ' ') >= 0) &&
          (!v.status || d.status === v.status) &&
          (!v.overdue || d.overdue === v.overdue) &&
          (!v.no_evidence || d.noev === '1') &&
          (!q || d.search.indexOf(q) >= 0);
        rows[i].hidden = !ok;
        if (ok) n++;
      }
      if (shown) shown.textContent = String(n);
      if (noRows) noRows.hidden = n > 0;
      syncUrl(v);
    }

    if (paged) {
      // The server holds the rows: let it filter.
      form.addEventListener('change', function () {
        if (form.requestSubmit) form.requestSubmit(); else form.submit();
      });
    } else {
      form.addEventListener('change', apply);
      var q = form.elements.namedItem('q');
      if (q) q.addEventListener('input', apply);
      form.addEventListener('submit', function (e) { e.preventDefault(); apply(); });
    }

    // Sorting in place (the header links sort on the server when the table is paged).
    var heads = table.tHead.rows[0].cells;
    function sortBy(th) {
      var index = Array.prototype.indexOf.call(heads, th);
      var desc = th.getAttribute('aria-sort') === 'ascending';
      var collator = new Intl.Collator(pageLang, { numeric: true, sensitivity: 'base' });
      var rows = Array.prototype.slice.call(tbody.rows);
      function key(row) {
        var cell = row.cells[index];
        return cell.hasAttribute('data-v') ? cell.getAttribute('data-v') : (cell.textContent || '').trim();
      }
      rows.sort(function (a, b) {
        var x = key(a), y = key(b);
        var nx = Number(x), ny = Number(y);
        var c = (x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny)) ? nx - ny : collator.compare(x, y);
        if (c === 0) c = collator.compare(a.getAttribute('data-id'), b.getAttribute('data-id'));
        return desc ? -c : c;
      });
      for (var i = 0; i < rows.length; i++) tbody.appendChild(rows[i]);
      for (var j = 0; j < heads.length; j++) heads[j].removeAttribute('aria-sort');
      th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
      var params = new URLSearchParams(location.search);
      params.set('sort', th.getAttribute('data-key'));
      params.set('dir', desc ? 'desc' : 'asc');
      history.replaceState(null, '', location.pathname + '?' + params.toString() + location.hash);
      var hidden = form.querySelectorAll('input[type=hidden][name=sort], input[type=hidden][name=dir]');
      for (var k = 0; k < hidden.length; k++) hidden[k].remove();
    }
    var links = table.querySelectorAll('th a.sort');
    for (var i = 0; i < links.length; i++) {
      links[i].addEventListener('click', function (e) {
        if (paged) return;
        e.preventDefault();
        sortBy(e.currentTarget.closest('th'));
      });
    }

    if (csvButton) {
      csvButton.hidden = false;
      csvButton.addEventListener('click', function () {
        download(fileName('commitments'), tableCsv(table), 'text/csv;charset=utf-8');
      });
    }
  }

  /* ---------------------------------------------------------------------------------------
     Charts: the segment under the pointer or the keyboard focus, read out under the chart. */
  function charts() {
    var figs = doc.querySelectorAll('figure.chart');
    for (var i = 0; i < figs.length; i++) {
      (function (fig) {
        var info = fig.querySelector('.chart-info');
        if (!info) return;
        var segs = fig.querySelectorAll('rect.seg');
        function clear() {
          var hot = fig.querySelectorAll('rect.hot');
          for (var k = 0; k < hot.length; k++) hot[k].classList.remove('hot');
        }
        for (var j = 0; j < segs.length; j++) {
          (function (r) {
            function show() {
              clear();
              r.classList.add('hot');
              info.textContent = r.getAttribute('data-info') || '';
            }
            r.addEventListener('mouseenter', show);
            var a = r.closest('a');
            if (a) a.addEventListener('focus', show);
          })(segs[j]);
        }
        fig.addEventListener('mouseleave', clear);
      })(figs[i]);
    }
  }

  function printButton() {
    var b = doc.getElementById('print');
    if (!b) return;
    b.hidden = false;
    b.addEventListener('click', function () { window.print(); });
  }

  /* ---------------------------------------------------------------------------------------
     Date fields: the words beside each date input (aria-describedby) follow the day picked,
     in the page's language (not the browser's, which the input itself speaks), as CLDR's
     long date, the form the server writes them in. */
  function dateWords() {
    var fmt;
    try {
      fmt = new Intl.DateTimeFormat(pageLang === 'uk' ? 'uk-UA' : 'en-US', { dateStyle: 'long', timeZone: 'UTC' });
    } catch (e) {
      return;
    }
    var inputs = doc.querySelectorAll('input[type=date][aria-describedby]');
    for (var i = 0; i < inputs.length; i++) {
      (function (input) {
        var words = doc.getElementById(input.getAttribute('aria-describedby'));
        if (!words || !words.classList.contains('date-words')) return;
        function show() {
          var d = /^\d{4}-\d{2}-\d{2}$/.test(input.value) ? new Date(input.value + 'T00:00:00Z') : null;
          words.textContent = d && !isNaN(d.getTime()) ? fmt.format(d) : '';
        }
        input.addEventListener('input', show);
        input.addEventListener('change', show);
      })(inputs[i]);
    }
  }

  /* ---------------------------------------------------------------------------------------
     Copy buttons: the fingerprint's quotation line (data-copy) to the clipboard, said in the
     live region beside the button. The Clipboard API exists only in a secure context (https,
     or http on localhost); elsewhere the line is selected in a field and copied the older way
     (execCommand), and if the browser refuses that too it stays selected for the reader's
     own Ctrl+C. */
  function copyButtons() {
    var buttons = doc.querySelectorAll('button[data-copy]');
    for (var i = 0; i < buttons.length; i++) {
      (function (b) {
        var box = b.parentNode;
        var status = box.querySelector('.copy-status');
        var timer;
        function say(text) {
          if (!status) return;
          /* Emptied first, so the same word said twice is announced twice. */
          status.textContent = '';
          clearTimeout(timer);
          setTimeout(function () { status.textContent = text; }, 50);
          timer = setTimeout(function () { status.textContent = ''; }, 6000);
        }
        function selected(text) {
          var old = box.querySelector('textarea.copy-field');
          if (old) old.parentNode.removeChild(old);
          var field = doc.createElement('textarea');
          field.className = 'copy-field';
          field.readOnly = true;
          field.rows = 2;
          field.value = text;
          field.setAttribute('aria-label', t('copy_quote'));
          box.appendChild(field);
          field.focus();
          field.select();
          var ok = false;
          try {
            ok = doc.execCommand('copy');
          } catch (e) {
            ok = false;
          }
          if (ok) {
            box.removeChild(field);
            b.focus();
            say(t('copied'));
          } else {
            say(t('copy_select'));
          }
        }
        b.hidden = false;
        b.addEventListener('click', function () {
          var text = b.getAttribute('data-copy') || '';
          if (navigator.clipboard && navigator.clipboard.writeText && window.isSecureContext) {
            navigator.clipboard.writeText(text).then(function () { say(t('copied')); }, function () { selected(text); });
          } else {
            selected(text);
          }
        });
      })(buttons[i]);
    }
  }

  /* ---------------------------------------------------------------------------------------
     Verification in this browser (events/SPEC.md §2, §7–§10): the primitives are verify.js's,
     shared with the workspace's receipts. */
  var V = window.kordonVerify;
  var enc = new TextEncoder();
  var hex = V.hex, fromHex = V.fromHex, fromB64 = V.fromB64, concat = V.concat, same = V.same;
  var sha256 = V.sha256, ed25519Key = V.ed25519Key, ed25519Verify = V.ed25519Verify;
  var fetchOk = V.fetchOk, parseVkey = V.parseVkey, parseNote = V.parseNote;
  var inclusionRoot = V.inclusionRoot, SEQ = V.SEQ;

  function verifier() {
    var form = doc.getElementById('verify-form');
    if (!form) return;
    var out = doc.getElementById('verify-out');
    var result = doc.getElementById('verify-result');
    var list = doc.getElementById('verify-steps');
    var seqInput = doc.getElementById('verify-seq');
    var vkeyInput = doc.getElementById('vkey');

    /* A step: what it checks in plain words, and the technical check with its values folded
       under "technical details". */
    function step(label, plain) {
      var li = doc.createElement('li');
      var mark = doc.createElement('span');
      mark.className = 'mark';
      mark.textContent = '…';
      var name = doc.createElement('span');
      name.className = 'name';
      name.textContent = plain ? t(plain) : label;
      li.appendChild(mark);
      li.appendChild(name);
      var fold = doc.createElement('details');
      var summary = doc.createElement('summary');
      summary.textContent = t('h_technical');
      fold.appendChild(summary);
      if (plain) {
        var tech = doc.createElement('span');
        tech.className = 'detail';
        tech.textContent = label;
        fold.appendChild(tech);
      }
      li.appendChild(fold);
      list.appendChild(li);
      return {
        detail: function (text) {
          var d = doc.createElement('span');
          d.className = 'detail';
          d.textContent = text;
          fold.appendChild(d);
        },
        done: function (ok) {
          li.setAttribute('data-ok', ok ? 'true' : 'false');
          mark.textContent = ok ? '✓' : '✗';
          mark.setAttribute('aria-label', ok ? t('step_ok') : t('step_fail'));
          return ok;
        }
      };
    }

    function finish(state, text) {
      result.setAttribute('data-result', state);
      result.textContent = text;
    }

    function run(ref) {
      out.hidden = false;
      list.textContent = '';
      finish('running', t('verify_running'));
      if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
        finish('unsupported', t('verify_insecure'));
        return Promise.resolve();
      }
      var all = true;
      var cp, vkey, ledgerKey, entry, leaf, seq, event, sig, authorKey;
      var s1 = step(t('step_checkpoint'), 'h_plain_checkpoint');
      /* Which way it failed: "wrongkey" (the key given is not this ledger's), "missing" (no such
         record), else the bytes do not match the signed ledger. */
      var why = null;
      var s1done = false;
      return Promise.resolve()
        .then(function () {
          why = 'wrongkey';
          vkey = parseVkey(vkeyInput ? vkeyInput.value : '');
          return ed25519Key(vkey.pub).catch(function (e) {
            var err = new Error(t('verify_unsupported') + ' (' + (e && e.name) + ')');
            err.unsupported = true;
            throw err;
          });
        })
        .then(function (k) {
          ledgerKey = k;
          return sha256(concat(enc.encode(vkey.name), new Uint8Array([10, 1]), vkey.pub));
        })
        .then(function (id) {
          if (hex(id.slice(0, 4)) !== vkey.id) throw new Error('the verifier key id does not match its key');
          return fetchOk('/checkpoint', 'text');
        })
        .then(function (note) {
          cp = parseNote(note);
          if (cp.origin !== vkey.name) throw new Error('the checkpoint origin ' + cp.origin + ' is not the key name ' + vkey.name);
          var mine = cp.sigs.filter(function (s) { return s.name === vkey.name && s.bytes.length === 68 && hex(s.bytes.slice(0, 4)) === vkey.id; });
          if (!mine.length) throw new Error('no signature line of ' + vkey.name + '+' + vkey.id);
          why = null;
          return Promise.all(mine.map(function (s) { return ed25519Verify(ledgerKey, s.bytes.slice(4), enc.encode(cp.text)); }));
        })
        .then(function (oks) {
          var ok = oks.every(Boolean);
          s1.detail(cp.origin + ' · ' + cp.size + ' · ' + hex(cp.root));
          s1done = true;
          all = s1.done(ok) && all;
          // The entry.
          // A sequence number has one spelling (SPEC.md §1): anything else, 007 too, is an event id.
          var url = SEQ.test(ref) ? '/entries/' + ref : '/events/' + encodeURIComponent(ref);
          return fetchOk(url, 'json').catch(function (e) {
            if (/HTTP 404$/.test(String(e && e.message))) why = 'missing';
            throw e;
          });
        })
        .then(function (json) {
          entry = fromB64(json.entry);
          if (entry.length < 115 || entry[0] !== 1) throw new Error('not a version 1 entry');
          var view = new DataView(entry.buffer, entry.byteOffset, entry.byteLength);
          seq = Number(view.getBigUint64(1));
          if (SEQ.test(ref) && seq !== Number(ref)) throw new Error('the server sent entry ' + seq + ' for ' + ref);
          sig = entry.slice(49, 113);
          event = entry.slice(113);
          return sha256(concat(new Uint8Array([0]), entry));
        })
        .then(function (h) {
          leaf = h;
          var s2 = step(t('step_leaf'), 'h_plain_leaf');
          s2.detail('#' + seq + ': ' + hex(leaf));
          s2.done(true);
          return fetchOk('/proof/inclusion?seq=' + seq + '&size=' + cp.size, 'json');
        })
        .then(function (p) {
          var s3 = step(t('step_proof'), 'h_plain_proof');
          var proof = (p.proof || []).map(fromHex);
          if (proof.some(function (x) { return x.length !== 32; })) throw new Error('a proof hash is not 32 bytes');
          return inclusionRoot(seq, cp.size, leaf, proof).then(function (root) {
            s3.detail(t('computed') + ' ' + hex(root) + ' · ' + t('expected') + ' ' + hex(cp.root));
            all = s3.done(same(root, cp.root)) && all;
          }, function (e) {
            s3.detail(String(e.message || e));
            all = s3.done(false) && all;
          });
        })
        .then(function () {
          var s4 = step(t('step_key'), 'h_plain_key');
          var ev;
          try {
            ev = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(event));
          } catch (e) {
            s4.detail('the event is not JSON: ' + e.message);
            all = s4.done(false) && all;
            return null;
          }
          return fetchOk('/keys/' + encodeURIComponent(ev.key), 'json').then(function (k) {
            var pub = fromB64(k.public_key);
            return sha256(pub).then(function (d) {
              var ok = pub.length === 32 && hex(d.slice(0, 8)) === ev.key && k.body === ev.author;
              s4.detail(ev.author + ' · ' + ev.key + ' · ' + k.public_key);
              all = s4.done(ok) && all;
              return ed25519Key(pub);
            });
          }).then(function (key) {
            authorKey = key;
            return ev;
          }, function (e) {
            s4.detail(String(e.message || e));
            all = s4.done(false) && all;
            return null;
          });
        })
        .then(function (ev) {
          var s5 = step(t('step_signature'), 'h_plain_signature');
          if (!ev || !authorKey) return s5.done(false);
          return ed25519Verify(authorKey, sig, concat(enc.encode('kordon/event/v1\n'), event)).then(function (ok) {
            s5.detail(ev.type + ' · ' + ev.id);
            all = s5.done(ok) && all;
          });
        })
        .then(function () {
          finish(all ? 'ok' : 'fail', all ? t('verify_ok') : t('verify_failed'));
        })
        .catch(function (e) {
          if (e && e.unsupported) {
            s1.detail(String(e.message));
            s1.done(false);
            finish('unsupported', t('verify_unsupported'));
            return;
          }
          var msg = String((e && e.message) || e);
          if (why === 'missing') {
            var m = step(t('verify_error'));
            m.detail(msg);
            m.done(false);
            finish('missing', t('h_verify_missing').replace('{ref}', ref));
            return;
          }
          if (why === 'wrongkey') {
            s1.detail(msg);
            s1.done(false);
            finish('wrongkey', t('h_verify_wrong_key'));
            return;
          }
          if (!s1done) {
            s1.detail(msg);
            s1.done(false);
          } else {
            var last = step(t('verify_error'));
            last.detail(msg);
            last.done(false);
          }
          finish('fail', t('verify_failed'));
        });
    }

    form.addEventListener('submit', function (e) {
      e.preventDefault();
      var ref = String(seqInput.value || '').trim();
      if (!ref) return;
      var params = new URLSearchParams(location.search);
      params.set('seq', ref);
      history.replaceState(null, '', location.pathname + '?' + params.toString() + '#verify');
      run(ref);
    });
    // A link to a record ("verify" in a commitment's history) verifies it straight away.
    var given = new URLSearchParams(location.search).get('seq');
    if (given) {
      run(given.trim()).then(function () {
        var sec = doc.getElementById('verify-section');
        if (sec && sec.scrollIntoView) sec.scrollIntoView();
      });
    }
  }

  /* Witness cosignatures (C2SP tlog-cosignature; SPEC.md §16.2): for each
     Ed25519 witness (vkey type 0x04), every signature line of its name and key ID on
     /checkpoint must be key ID ‖ 8-byte timestamp ‖ Ed25519 over
     "cosignature/v1\ntime <T>\n" ‖ the checkpoint text. ML-DSA-44 (type 0x06) is not in Web
     Crypto yet, so those rows say where to check them instead. */
  function witnesses() {
    var table = doc.getElementById('witness-table');
    if (!table) return;
    var rows = Array.prototype.slice.call(table.querySelectorAll('tr.witness'));
    function mark(row, state, text) {
      var cell = row.querySelector('.witness-check');
      cell.setAttribute('data-ok', state);
      cell.textContent = text;
    }
    if (!window.isSecureContext || !window.crypto || !crypto.subtle) {
      rows.forEach(function (r) { mark(r, 'unsupported', t('verify_insecure')); });
      return;
    }
    fetchOk('/checkpoint', 'text').then(function (note) {
      var cp = parseNote(note);
      rows.forEach(function (row) {
        if (row.getAttribute('data-alg') !== 'ed25519') {
          mark(row, 'na', t('mldsa_browser'));
          return;
        }
        var vk = String(row.getAttribute('data-vkey'));
        var i = vk.indexOf('+'), j = vk.indexOf('+', i + 1);
        var name = vk.slice(0, i), id = vk.slice(i + 1, j), raw = fromB64(vk.slice(j + 1));
        if (raw.length !== 33 || raw[0] !== 4) { mark(row, 'false', 'not an Ed25519 cosigner key'); return; }
        var pub = raw.slice(1);
        var mine = cp.sigs.filter(function (s) { return s.name === name && s.bytes.length >= 4 && hex(s.bytes.slice(0, 4)) === id; });
        if (!mine.length) { mark(row, 'none', t('not_cosigned')); return; }
        sha256(concat(enc.encode(name), new Uint8Array([10, 4]), pub)).then(function (d) {
          if (hex(d.slice(0, 4)) !== id) throw new Error('the key id does not match the key');
          return ed25519Key(pub);
        }).then(function (key) {
          return Promise.all(mine.map(function (s) {
            if (s.bytes.length !== 76) return false;
            var view = new DataView(s.bytes.buffer, s.bytes.byteOffset + 4, 8);
            var ts = view.getBigUint64(0).toString();
            var msg = concat(enc.encode('cosignature/v1\ntime ' + ts + '\n'), enc.encode(cp.text));
            return ed25519Verify(key, s.bytes.slice(12), msg);
          }));
        }).then(function (oks) {
          var ok = oks.every(Boolean);
          mark(row, ok ? 'true' : 'false', (ok ? '\u2713 ' + t('step_ok') : '\u2717 ' + t('step_fail')) + ' (size ' + cp.size + ')');
        }, function (e) {
          mark(row, e && e.name === 'NotSupportedError' ? 'unsupported' : 'false', e && e.name === 'NotSupportedError' ? t('verify_unsupported') : String((e && e.message) || e));
        });
      });
    }).catch(function (e) {
      rows.forEach(function (r) { mark(r, 'false', String((e && e.message) || e)); });
    });
  }

  /* ---------------------------------------------------------------------------------------
     Tables marked "sortable" sort by any column: the header becomes a button; a cell's
     data-sort (else its text) is the key, numbers compared as numbers. */
  function sortables() {
    var tables = doc.querySelectorAll('table.sortable');
    var collator = new Intl.Collator(pageLang, { numeric: true, sensitivity: 'base' });
    for (var n = 0; n < tables.length; n++) {
      (function (table) {
        if (!table.tHead || !table.tBodies[0]) return;
        var heads = table.tHead.rows[0].cells;
        for (var i = 0; i < heads.length; i++) {
          (function (th, index) {
            if (th.querySelector('a, button')) return;
            var b = doc.createElement('button');
            b.type = 'button';
            b.className = 'sort-button';
            b.textContent = th.textContent;
            b.title = t('sort_asc');
            th.textContent = '';
            th.appendChild(b);
            b.addEventListener('click', function () {
              var desc = th.getAttribute('aria-sort') === 'ascending';
              var tbody = table.tBodies[0];
              var rows = Array.prototype.slice.call(tbody.rows);
              var key = function (row) {
                var cell = row.cells[index];
                if (!cell) return '';
                return cell.hasAttribute('data-sort') ? cell.getAttribute('data-sort') : (cell.textContent || '').trim();
              };
              rows.forEach(function (r, k) { r.setAttribute('data-ord', r.getAttribute('data-ord') || String(k)); });
              rows.sort(function (a, c) {
                var x = key(a), y = key(c);
                var nx = Number(x), ny = Number(y);
                var d = (x !== '' && y !== '' && !isNaN(nx) && !isNaN(ny)) ? nx - ny : collator.compare(x, y);
                if (d === 0) d = Number(a.getAttribute('data-ord')) - Number(c.getAttribute('data-ord'));
                return desc ? -d : d;
              });
              for (var r = 0; r < rows.length; r++) tbody.appendChild(rows[r]);
              for (var j = 0; j < heads.length; j++) heads[j].removeAttribute('aria-sort');
              th.setAttribute('aria-sort', desc ? 'descending' : 'ascending');
              b.title = t(desc ? 'sort_asc' : 'sort_desc');
            });
          })(heads[i], i);
        }
      })(tables[n]);
    }
  }

  /* Tables that become cards on a phone label each cell with its column's heading. */
  function cardLabels() {
    var tables = doc.querySelectorAll('table.data');
    for (var n = 0; n < tables.length; n++) {
      var table = tables[n];
      if (!table.tHead || !table.tHead.rows[0]) continue;
      table.classList.add('cards');
      var heads = table.tHead.rows[0].cells;
      for (var b = 0; b < table.tBodies.length; b++) {
        var rows = table.tBodies[b].rows;
        for (var r = 0; r < rows.length; r++) {
          for (var c = 0; c < rows[r].cells.length && c < heads.length; c++) {
            var cell = rows[r].cells[c];
            if (!cell.hasAttribute('data-label')) cell.setAttribute('data-label', (heads[c].textContent || '').trim());
          }
        }
      }
    }
  }

  function start() {
    localizeTimes(doc);
    cardLabels();
    sortables();
    commitments();
    charts();
    printButton();
    copyButtons();
    dateWords();
    verifier();
    witnesses();
  }

  if (doc.readyState === 'loading') doc.addEventListener('DOMContentLoaded', start);
  else start();
})();
