// The view draws the repeats' band and pick spreads from the `band` and `pick_spread` traits, and says the summary.
import assert from "node:assert/strict";
import { test } from "node:test";
import { encodePoints } from "../src/wire.js";
import { doneState, frame, idleState, makeCurve, mount } from "./support/view.js";

function repeatsState() {
  const curve = makeCurve();
  const band = {
    lrs: curve.lrs, lo: curve.losses.map((loss) => loss - 0.1), hi: curve.losses.map((loss) => loss + 0.2),
    median: curve.losses, n_points: curve.lrs.length, repeats: 3,
    summary: "3 repeats: alpha picks span 2.1× (1.2e-3 – 2.5e-3)",
  };
  const alpha = curve.lrs[12];
  return { band, pick_spread: { alpha: { lo: alpha / 1.5, hi: alpha * 1.4, median: alpha, picks: [],
    x_lo: alpha / 1.5, x_hi: alpha * 1.4 } } };
}

test("a run of repeats draws its band, median, one bar per drawn marker, and the summary", () => {
  const view = mount(doneState(repeatsState()));
  assert.match(view.find("[data-lrw-repeat-band]").getAttribute("d") ?? "", /^M.+Z$/);
  assert.match(view.find("[data-lrw-repeat-median]").getAttribute("d") ?? "", /^M/);
  const bars = [...view.el.querySelectorAll("[data-lrw-pick-spread]")].map((bar) => bar.getAttribute("data-lrw-pick-spread"));
  assert.deepEqual(bars, ["alpha"]);
  assert.match(view.find("[data-lrw-progress]").textContent ?? "", /· 3 repeats: alpha picks span 2\.1×/);
  assert.equal(view.find("[data-lrw-key-band]").hidden, false);
  assert.equal(view.find("[data-lrw-key-band]").textContent, "3 repeats: lowest–highest, median dashed");
  view.unmount();
});

test("a single run draws no band and the band goes when the trait is emptied", () => {
  const plain = mount(doneState());
  assert.equal(plain.find("[data-lrw-repeat-band]").getAttribute("d"), null);
  assert.equal(plain.el.querySelectorAll("[data-lrw-pick-spread]").length, 0);
  plain.unmount();
  const view = mount(doneState(repeatsState()));
  view.model.update({ band: {}, pick_spread: {} });
  frame();
  assert.equal(view.find("[data-lrw-repeat-band]").getAttribute("d"), null);
  assert.equal(view.el.querySelectorAll("[data-lrw-pick-spread]").length, 0);
  assert.doesNotMatch(view.find("[data-lrw-progress]").textContent ?? "", /repeats/);
  assert.equal(view.find("[data-lrw-key-band]").hidden, true);
  view.unmount();
});

test("hiding a marker removes its spread bar", () => {
  const view = mount(doneState(repeatsState()));
  view.model.update({ visible_markers: ["beta"] });
  frame();
  assert.equal(view.el.querySelectorAll("[data-lrw-pick-spread]").length, 0);
  view.unmount();
});

test("while repeats run, the live band of the finished ones is drawn under the live points, and only then", () => {
  const view = mount(idleState());
  const { band } = repeatsState();
  view.model.update({ status: "running", progress: { iteration: 0, num_it: 40, elapsed_s: 0 }, band });
  const curve = makeCurve();
  view.model.message(...encodePoints(0, curve.lrs.slice(0, 10), curve.losses.slice(0, 10),
    curve.raw_losses.slice(0, 10)));
  frame();
  assert.equal(view.find("[data-lrw-repeat-band]").getAttribute("d"), null, "a finished run's band: the run before");
  view.model.update({ band: { ...band, summary: "", repeats: 1, live: true } });
  frame();
  assert.match(view.find("[data-lrw-repeat-band]").getAttribute("d") ?? "", /^M.+Z$/);
  assert.equal(view.find("[data-lrw-key-band]").textContent, "1 finished repeat: lowest–highest, median dashed");
  assert.doesNotMatch(view.find("[data-lrw-progress]").textContent ?? "", /repeats:/);
  view.model.update({ status: "error", error: "boom" }); // a call that failed leaves its live band behind
  frame();
  assert.equal(view.find("[data-lrw-repeat-band]").getAttribute("d"), null);
  view.unmount();
});
