/* The entry pages' live check: the form's own sums (app/domain/form_rules.py sum_checks, sent
   by the page as data) on every column, and on the D.Hasil page the desa columns against the
   kecamatan total. It only marks and explains; the server checks again before it saves. */
(function () {
  "use strict";
  var form = document.querySelector("form[data-checks]");
  if (!form) { return; }
  var lang = document.documentElement.lang === "en" ? 1 : 0;
  var checks = JSON.parse(form.dataset.checks);
  var columns = JSON.parse(form.dataset.columns);
  var words = JSON.parse(form.dataset.words);
  var totals = form.dataset.totals ? JSON.parse(form.dataset.totals) : null;
  var panel = document.getElementById("sum-check");

  function fmt(n) {
    var text = String(n);
    return text.replace(/\B(?=(\d{3})+(?!\d))/g, lang ? "," : ".");
  }

  function read(name) {
    var input = form.elements.namedItem(name);
    if (!input) { return null; }
    var text = input.value.trim();
    if (!/^(\d{1,3}(\.\d{3})*|\d+)$/.test(text)) { return null; }
    return parseInt(text.replace(/\./g, ""), 10);
  }

  function sentence(left, expected, right, actual) {
    var d = Math.abs(actual - expected);
    return left + " " + fmt(expected) + " \u2260 " + right + " " + fmt(actual) +
      " (" + words.diff[lang] + " " + fmt(d) + ")";
  }

  function columnFindings(column, found) {
    checks.forEach(function (c) {
      var actual = read(column.prefix + c.target);
      var parts = c.parts.map(function (p) { return read(column.prefix + p); });
      if (actual === null || parts.some(function (p) { return p === null; })) { return; }
      var expected = parts.reduce(function (a, b) { return a + b; }, 0);
      if (expected === actual) { return; }
      found.push({
        name: column.prefix + c.target,
        warn: c.fewer_warning && actual < expected,
        rule: c.rule,
        text: (column.name ? column.name + ": " : "") +
          sentence(c.left[lang], expected, c.label[lang], actual)
      });
    });
  }

  function totalFindings(found) {
    Object.keys(totals.labels).forEach(function (field) {
      var written = read(totals.prefix + field);
      var parts = totals.parts.map(function (p) { return read(p + field); });
      if (written === null || parts.some(function (p) { return p === null; })) { return; }
      var expected = parts.reduce(function (a, b) { return a + b; }, 0);
      if (expected === written) { return; }
      found.push({
        name: totals.prefix + field, warn: false, rule: "DESA_SUM",
        text: sentence("\u03a3 desa", expected, words.total[lang] + totals.labels[field][lang], written)
      });
    });
  }

  function mark(item) {
    var input = form.elements.namedItem(item.name);
    if (!input) { return; }
    input.classList.add(item.warn ? "live-warn" : "live-bad");
    input.dataset.live = input.dataset.live ? input.dataset.live + " | " + item.text : item.text;
    input.title = input.dataset.live;
  }

  function show(found) {
    panel.hidden = false;
    panel.textContent = "";
    panel.className = "sum-check " + (found.length ? "off" : "ok");
    var head = document.createElement("p");
    head.textContent = found.length ? words.off[lang] : words.ok[lang];
    panel.appendChild(head);
    if (!found.length) { return; }
    var list = document.createElement("ul");
    found.forEach(function (item) {
      var li = document.createElement("li");
      li.className = item.warn ? "warn" : "bad";
      li.dataset.rule = item.rule;
      li.dataset.field = item.name;
      var link = document.createElement("a");
      link.href = "#f-" + item.name;
      link.textContent = item.text;
      li.appendChild(link);
      list.appendChild(li);
    });
    panel.appendChild(list);
  }

  function run() {
    form.querySelectorAll(".live-bad, .live-warn").forEach(function (input) {
      input.classList.remove("live-bad", "live-warn");
      if (input.dataset.live) { input.removeAttribute("title"); delete input.dataset.live; }
    });
    var found = [];
    columns.forEach(function (column) { columnFindings(column, found); });
    if (totals) { totalFindings(found); }
    found.forEach(mark);
    show(found);
  }

  form.addEventListener("input", run);
  run();
}());
