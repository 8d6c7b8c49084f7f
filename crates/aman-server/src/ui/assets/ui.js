// Aman web UI: the little script the pages use. Everything works without it; it adds
// pan and zoom to the map and place suggestions to the report form.
"use strict";

// Pan and zoom over the map's SVG viewBox: buttons, mouse wheel, drag, arrow keys.
function enableMapZoom(frame) {
  const svg = frame.querySelector("svg.map");
  const controls = frame.querySelector(".map-controls");
  if (!svg || !controls) return;
  const home = svg.viewBox.baseVal;
  const start = { x: home.x, y: home.y, w: home.width, h: home.height };
  let view = Object.assign({}, start);
  const apply = () => svg.setAttribute("viewBox", `${view.x} ${view.y} ${view.w} ${view.h}`);
  const zoom = (factor, cx, cy) => {
    const w = Math.min(start.w * 2, Math.max(start.w / 40, view.w / factor));
    const h = w * (start.h / start.w);
    const fx = cx === undefined ? 0.5 : cx;
    const fy = cy === undefined ? 0.5 : cy;
    view.x += (view.w - w) * fx;
    view.y += (view.h - h) * fy;
    view.w = w;
    view.h = h;
    apply();
  };
  controls.hidden = false;
  controls.addEventListener("click", (e) => {
    const b = e.target.closest("button");
    if (!b) return;
    if (b.hasAttribute("data-zoom-reset")) {
      view = Object.assign({}, start);
      apply();
    } else {
      zoom(parseFloat(b.getAttribute("data-zoom-by")));
    }
  });
  svg.addEventListener("wheel", (e) => {
    e.preventDefault();
    const r = svg.getBoundingClientRect();
    zoom(e.deltaY < 0 ? 1.25 : 0.8, (e.clientX - r.left) / r.width, (e.clientY - r.top) / r.height);
  }, { passive: false });
  let drag = null;
  svg.addEventListener("pointerdown", (e) => {
    drag = { x: e.clientX, y: e.clientY, vx: view.x, vy: view.y, moved: false };
  });
  svg.addEventListener("pointermove", (e) => {
    if (!drag) return;
    const r = svg.getBoundingClientRect();
    const dx = (e.clientX - drag.x) * (view.w / r.width);
    const dy = (e.clientY - drag.y) * (view.h / r.height);
    if (Math.abs(dx) + Math.abs(dy) > 2) drag.moved = true;
    view.x = drag.vx - dx;
    view.y = drag.vy - dy;
    apply();
  });
  const end = () => { setTimeout(() => { drag = null; }, 0); };
  svg.addEventListener("pointerup", end);
  svg.addEventListener("pointerleave", end);
  // A drag must not also follow the link under the pointer.
  svg.addEventListener("click", (e) => {
    if (drag && drag.moved) e.preventDefault();
  }, true);
  frame.addEventListener("keydown", (e) => {
    const step = view.w / 10;
    const moves = { ArrowLeft: [-step, 0], ArrowRight: [step, 0], ArrowUp: [0, -step], ArrowDown: [0, step] };
    if (e.target.closest("a") || !moves[e.key]) return;
    view.x += moves[e.key][0];
    view.y += moves[e.key][1];
    apply();
    e.preventDefault();
  });
}

// Place suggestions: ask the offline geocoder (same server) as the monitor types.
function enablePlaceSuggestions(input) {
  const list = document.getElementById(input.getAttribute("list"));
  if (!list) return;
  let timer = null;
  let last = "";
  input.addEventListener("input", () => {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      const q = input.value.trim();
      if (q.length < 2 || q === last) return;
      last = q;
      try {
        const res = await fetch(`/api/v1/places?limit=8&q=${encodeURIComponent(q)}`, { credentials: "same-origin" });
        if (!res.ok) return;
        const places = await res.json();
        list.replaceChildren(...places.map((p) => {
          const o = document.createElement("option");
          o.value = p.matched_name;
          const area = [p.admin2_name, p.admin1_name].filter(Boolean).join(", ");
          o.label = `${p.name} (${p.kind}${area ? ", " + area : ""}) ${Math.round(p.confidence * 100)}%`;
          return o;
        }));
      } catch (_) {
        // Offline or signed out: the form still works without suggestions.
      }
    }, 200);
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("[data-zoom]").forEach(enableMapZoom);
  document.querySelectorAll("input[data-suggest]").forEach(enablePlaceSuggestions);
  document.querySelectorAll("button[data-print]").forEach((b) => {
    b.hidden = false;
    b.addEventListener("click", () => window.print());
  });
});
