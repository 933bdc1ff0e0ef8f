import assert from "node:assert/strict";
import { readdirSync, readFileSync } from "node:fs";
import { test } from "node:test";
import { lossNear, markerEntries, markerSpecs, orderVisible, parseRegistry } from "../src/registry.js";
import { emptySeries } from "../src/store.js";

test("registry entries are read in order, with neutral values for missing fields", () => {
  const entries = parseRegistry([
    { name: "b", tip: "B.", color_index: 3, shown_by_default: true, is_handle_default: true },
    { name: "a" },
  ]);
  assert.deepEqual(entries, [
    { name: "b", tip: "B.", colorIndex: 3, shownByDefault: true, isDefault: true },
    { name: "a", tip: "", colorIndex: 1, shownByDefault: false, isDefault: false },
  ]);
});

test("an entry without a name is skipped and reported; a repeated name keeps its first entry", (t) => {
  const warn = t.mock.method(console, "warn", () => {});
  const entries = parseRegistry([{ tip: "no name" }, { name: "a", color_index: 2 }, { name: "a", color_index: 5 }]);
  assert.deepEqual(entries.map((entry) => [entry.name, entry.colorIndex]), [["a", 2]]);
  assert.equal(warn.mock.callCount(), 1);
  assert.match(String(warn.mock.calls[0].arguments[0]), /marker_registry\[0\] has no name/);
});

test("suggestions the registry does not list come after its markers", () => {
  const entries = markerEntries([{ name: "b", color_index: 0 }], { x: { lr: 1, tip: "X." }, b: { lr: 2 } });
  assert.deepEqual(entries.map((entry) => [entry.name, entry.colorIndex, entry.tip]), [["b", 0, ""], ["x", 1, "X."]]);
});

test("visible_markers is written in display order", () => {
  const entries = markerEntries([{ name: "b" }, { name: "a" }], {});
  assert.deepEqual(orderVisible(entries, new Set(["zz", "a", "b"])), ["b", "a", "zz"]);
});

test("a suggestion without a point sits on the nearest drawn point; one without a finite lr is not drawn", () => {
  const series = emptySeries();
  series.logLrs.push(-3, -2, -1);
  series.losses.push(3, null, 1);
  assert.equal(lossNear(series, 0.009), 3); // -2.05: the point at -2 is a gap, -3 is nearer than -1
  const entries = markerEntries([{ name: "a" }, { name: "b" }], {});
  const specs = markerSpecs(entries, { a: { lr: 0.1 }, b: { lr: null } }, new Set(["a", "b"]), series);
  assert.deepEqual(specs.map((spec) => [spec.name, spec.pointLr, spec.pointLoss]), [["a", 0.1, 1]]);
});

test("no marker name is written in the view's sources or styles (the registry is the only list)", () => {
  // The names Python registers today (lrwidget/suggest): none may reappear here as a special case.
  const names = /\b(sweetspot|valley|steep|minimum|slide)\b/i;
  const dir = new URL("../src/", import.meta.url);
  const hits = readdirSync(dir)
    .flatMap((file) => readFileSync(new URL(file, dir), "utf8").split("\n").map((line, i) => [file, i + 1, line]))
    .filter(([, , line]) => names.test(String(line)))
    .map(([file, line]) => `${file}:${line}`);
  assert.deepEqual(hits, []);
});
