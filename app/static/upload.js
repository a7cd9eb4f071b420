// Upload C.Hasil photos from the browser: several files at once (picker, camera, drag and drop),
// each with its contest and page, a progress bar while it is sent (XHR upload progress) and its
// status fragment, which htmx polls until the reading is final. No framework; the CSRF token is
// the console's (the X-CSRF-Token header htmx also sends).
(function () {
  "use strict";

  function csrfToken(form) {
    const field = form.querySelector("input[name=csrf_token]");
    return field ? field.value : "";
  }

  function copyOptions(from, to) {
    for (const option of from.options) {
      to.add(new Option(option.text, option.value, false, option.selected));
    }
    to.value = from.value;
  }

  function sizeText(bytes) {
    const mb = bytes / (1024 * 1024);
    const text = mb >= 1 ? mb.toFixed(1) + " MB" : Math.max(1, Math.round(bytes / 1024)) + " KB";
    return document.documentElement.lang === "en" ? text : text.replace(".", ",");
  }

  function setup(widget) {
    const form = widget.querySelector("form.upload-form");
    const list = widget.querySelector(".upload-list");
    const template = widget.querySelector("template.upload-row");
    const tpsInput = form.querySelector(".upload-tps");
    const contest = form.querySelector(".upload-contest");
    const page = form.querySelector(".upload-page");
    const maxBytes = Number(widget.dataset.maxBytes || 0);
    const choices = new Set(
      Array.from(widget.querySelectorAll("datalist option"), (o) => o.value)
    );
    const rows = new Map();
    widget.querySelectorAll("[data-js]").forEach((el) => { el.hidden = false; });
    form.noValidate = true; // each file's problems are shown on its row

    function message(row, text, state) {
      row.dataset.state = state;
      const status = row.querySelector(".status");
      status.textContent = "";
      const span = document.createElement("span");
      span.className = "upload-refused";
      span.setAttribute("role", "alert");
      span.textContent = text;
      status.appendChild(span);
    }

    function addFile(file) {
      const row = template.content.firstElementChild.cloneNode(true);
      row.querySelector(".name").textContent = file.name;
      row.querySelector(".size").textContent = sizeText(file.size);
      copyOptions(contest, row.querySelector("select.contest"));
      copyOptions(page, row.querySelector("select.page"));
      const tps = tpsInput.value.trim();
      row.dataset.tps = tps;
      if (choices.size) row.querySelector(".tps").textContent = "TPS " + tps;
      row.querySelector(".remove").addEventListener("click", () => {
        rows.delete(row);
        row.remove();
      });
      rows.set(row, file);
      list.appendChild(row);
      if (choices.size && !choices.has(tps)) {
        message(row, widget.dataset.msgWrongTps, "refused");
      } else if (maxBytes && file.size > maxBytes) {
        message(row, widget.dataset.msgTooBig, "refused");
      }
    }

    function addFiles(files) {
      for (const file of files) addFile(file);
    }

    function send(row) {
      const file = rows.get(row);
      const chosen = row.querySelector("select.contest").value;
      if (!chosen) {
        message(row, widget.dataset.msgContest, "ready");
        return Promise.resolve();
      }
      const data = new FormData();
      data.append("contest_id", chosen);
      data.append("page", row.querySelector("select.page").value);
      data.append("file", file, file.name);
      const bar = row.querySelector("progress");
      const status = row.querySelector(".status");
      row.dataset.state = "sending";
      row.querySelector(".upload-choice").hidden = true;
      status.textContent = widget.dataset.msgSending;
      return new Promise((resolve) => {
        const xhr = new XMLHttpRequest();
        xhr.open("POST", "/tps/" + encodeURIComponent(row.dataset.tps) + "/photos");
        xhr.setRequestHeader("X-CSRF-Token", csrfToken(form));
        xhr.setRequestHeader("HX-Request", "true");
        xhr.upload.addEventListener("progress", (event) => {
          if (event.lengthComputable) bar.value = Math.round((100 * event.loaded) / event.total);
        });
        xhr.addEventListener("load", () => {
          const html = xhr.getResponseHeader("Content-Type") || "";
          if (xhr.status >= 200 && xhr.status < 300 && html.startsWith("text/html")) {
            bar.value = 100;
            row.dataset.state = "sent";
            status.innerHTML = xhr.responseText; // the server's escaped fragment
            if (window.htmx) window.htmx.process(status);
          } else if (html.startsWith("text/html") && xhr.responseText.includes("upload-refused")) {
            row.dataset.state = "refused";
            status.innerHTML = xhr.responseText;
          } else if (xhr.status === 413) { // refused by the body limit before the console saw it
            message(row, widget.dataset.msgTooBig, "refused");
          } else {
            message(row, widget.dataset.msgNetwork, "ready");
            row.querySelector(".upload-choice").hidden = false;
          }
          resolve();
        });
        xhr.addEventListener("error", () => {
          message(row, widget.dataset.msgNetwork, "ready");
          row.querySelector(".upload-choice").hidden = false;
          resolve();
        });
        xhr.send(data);
      });
    }

    async function sendAll() {
      for (const row of Array.from(rows.keys())) {
        if (row.dataset.state !== "ready") continue;
        await send(row); // one at a time: a phone's uplink is the bottleneck
      }
    }

    form.querySelectorAll("input[type=file]").forEach((input) => {
      input.multiple = true; // one file a post without JavaScript, several with it
      input.addEventListener("change", () => {
        addFiles(input.files);
        input.value = "";
      });
    });
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      sendAll();
    });
    const zone = widget.querySelector("[data-dropzone]");
    ["dragenter", "dragover"].forEach((name) => {
      zone.addEventListener(name, (event) => {
        event.preventDefault();
        zone.classList.add("over");
      });
    });
    ["dragleave", "drop"].forEach((name) => {
      zone.addEventListener(name, () => zone.classList.remove("over"));
    });
    zone.addEventListener("drop", (event) => {
      event.preventDefault();
      if (event.dataTransfer) addFiles(event.dataTransfer.files);
    });
  }

  function start() {
    document.querySelectorAll("[data-upload]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
