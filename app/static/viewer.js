// The photo beside the numbers: zoom, pan and rotate a form photo with the pointer (drag), the
// wheel, the buttons or the keyboard (+ − arrows R 0) by CSS transforms; the variant links
// (original, rectified, annotated) swap the image in place. No framework.
(function () {
  "use strict";

  const MIN = 1;
  const MAX = 8;
  const STEP = 1.25;
  const PAN = 40;

  function setup(viewer) {
    const stage = viewer.querySelector(".viewer-stage");
    const img = stage.querySelector("img");
    const state = { scale: 1, rotate: 0, x: 0, y: 0 };
    viewer.querySelectorAll("[data-js]").forEach((el) => { el.hidden = false; });
    viewer.classList.add("live");

    function apply() {
      img.style.transform =
        `translate(${state.x}px, ${state.y}px) rotate(${state.rotate}deg) scale(${state.scale})`;
      stage.dataset.scale = state.scale.toFixed(2);
      stage.dataset.rotate = String(((state.rotate % 360) + 360) % 360);
      stage.classList.toggle("zoomed", state.scale > 1);
    }
    function zoom(factor) {
      const next = Math.min(MAX, Math.max(MIN, state.scale * factor));
      state.x *= next / state.scale;
      state.y *= next / state.scale;
      state.scale = next;
      if (next === MIN) { state.x = 0; state.y = 0; }
      apply();
    }
    function rotate(degrees) { state.rotate += degrees; apply(); }
    function pan(dx, dy) { state.x += dx; state.y += dy; apply(); }
    function reset() { Object.assign(state, { scale: 1, rotate: 0, x: 0, y: 0 }); apply(); }
    const actions = {
      "zoom-in": () => zoom(STEP),
      "zoom-out": () => zoom(1 / STEP),
      "rotate-left": () => rotate(-90),
      "rotate-right": () => rotate(90),
      reset: reset,
    };
    viewer.querySelectorAll("button[data-act]").forEach((button) => {
      button.addEventListener("click", () => actions[button.dataset.act]());
    });
    viewer.querySelectorAll("a[data-variant]").forEach((link) => {
      link.addEventListener("click", (event) => {
        event.preventDefault();
        img.src = link.href;
        viewer.querySelectorAll("a[data-variant]").forEach((l) => l.removeAttribute("aria-current"));
        link.setAttribute("aria-current", "true");
        reset();
      });
    });
    stage.addEventListener("wheel", (event) => {
      event.preventDefault();
      zoom(event.deltaY < 0 ? STEP : 1 / STEP);
    }, { passive: false });
    let drag = null;
    stage.addEventListener("pointerdown", (event) => {
      drag = { x: event.clientX, y: event.clientY };
      stage.setPointerCapture(event.pointerId);
      stage.classList.add("dragging");
    });
    stage.addEventListener("pointermove", (event) => {
      if (!drag) return;
      pan(event.clientX - drag.x, event.clientY - drag.y);
      drag = { x: event.clientX, y: event.clientY };
    });
    ["pointerup", "pointercancel"].forEach((name) => {
      stage.addEventListener(name, () => { drag = null; stage.classList.remove("dragging"); });
    });
    const keys = {
      "+": () => zoom(STEP), "=": () => zoom(STEP), "-": () => zoom(1 / STEP),
      ArrowLeft: () => pan(PAN, 0), ArrowRight: () => pan(-PAN, 0),
      ArrowUp: () => pan(0, PAN), ArrowDown: () => pan(0, -PAN),
      r: () => rotate(90), R: () => rotate(-90), "0": reset,
    };
    stage.addEventListener("keydown", (event) => {
      const act = keys[event.key];
      if (!act || event.ctrlKey || event.metaKey || event.altKey) return;
      event.preventDefault();
      act();
    });
    apply();
  }

  function start() {
    document.querySelectorAll("[data-viewer]").forEach(setup);
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
