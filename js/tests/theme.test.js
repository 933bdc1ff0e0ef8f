import assert from "node:assert/strict";
import { test } from "node:test";
import { isDarkBackground, parseRgb, relativeLuminance } from "../src/theme.js";

test("computed colours parse in both CSS syntaxes", () => {
  assert.deepEqual(parseRgb("rgb(17, 17, 17)"), [17, 17, 17, 1]);
  assert.deepEqual(parseRgb("rgba(255, 255, 255, 0.87)"), [255, 255, 255, 0.87]);
  assert.deepEqual(parseRgb("rgb(30 31 34 / 50%)"), [30, 31, 34, 0.5]);
  assert.equal(parseRgb("color(srgb 1 1 1)"), null);
  assert.equal(parseRgb(""), null);
});

test("dark and light backgrounds", () => {
  assert.equal(isDarkBackground("rgb(17, 17, 17)"), true); // JupyterLab dark --jp-layout-color0
  assert.equal(isDarkBackground("rgb(30, 30, 30)"), true); // VS Code Dark+
  assert.equal(isDarkBackground("rgb(255, 255, 255)"), false);
  assert.equal(isDarkBackground("rgb(238, 238, 238)"), false);
  assert.equal(isDarkBackground("rgba(0, 0, 0, 0)"), null); // transparent: unknown
  assert.ok(Math.abs(relativeLuminance([255, 255, 255]) - 1) < 1e-12);
  assert.equal(relativeLuminance([0, 0, 0]), 0);
});

test("a dark class above the view, across shadow roots, asks for dark (marimo's dark theme)", async () => {
  const { Window } = await import("happy-dom");
  const { insideDarkClass } = await import("../src/theme.js");
  const { document } = new Window();
  const page = document.createElement("div");
  document.body.append(page);
  const host = document.createElement("marimo-anywidget");
  page.append(host);
  const wrapper = document.createElement("div");
  host.attachShadow({ mode: "open" }).append(wrapper);
  const view = document.createElement("div");
  wrapper.append(view);

  assert.equal(insideDarkClass(view), false);
  page.classList.add("dark"); // outside the shadow root, as on marimo's <body>
  assert.equal(insideDarkClass(view), true);
  page.classList.remove("dark");
  wrapper.classList.add("dark"); // inside it, as on marimo's output wrapper
  assert.equal(insideDarkClass(view), true);
});
