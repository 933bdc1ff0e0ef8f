// The trials of w.verify() (src/verify.js) in the view: one annotated point per finished trial at its LR, drawn live as
// the `verify` trait grows, the best one marked, a diverged one as a cross, and the summary on the status line.
import assert from "node:assert/strict";
import { test } from "node:test";
import { bestTrial, labelsThatFit, verifyStatus, verifyStripBottom, verifyTrials } from "../src/verify.js";
import { doneState, frame, makeCurve, makeSuggestions, mount } from "./support/view.js";

/** @param {{lr: number, valid_loss: number | null, status?: string}[]} trials @param {string} state */
function verifyState(trials, state = "running") {
  return { state, trials: trials.map((t) => ({ status: "done", ...t })), cost: 3,
    summary: `verify: ${trials.length}/3 trials` };
}

/** The x of the plot's pixel for `lr` on the default 1e-7…10 axis, from the plot area's own edges. */
function xOf(view, lr) {
  const area = view.find("[data-lrw-plot-area]");
  const left = Number(area.getAttribute("x"));
  const width = Number(area.getAttribute("width"));
  return left + (Math.log10(lr) + 7) / 8 * width;
}

test("each finished trial appears at its LR as the trait grows, and the best is marked at the end", () => {
  const view = mount(doneState());
  assert.equal(view.el.querySelectorAll("[data-lrw-verify-trial]").length, 0);
  assert.doesNotMatch(view.find("[data-lrw-progress]").textContent ?? "", /verify/);
  view.model.update({ verify: verifyState([{ lr: 1e-3, valid_loss: 0.52 }]) });
  frame();
  let trials = view.el.querySelectorAll("[data-lrw-verify-trial]");
  assert.equal(trials.length, 1);
  assert.match(view.find("[data-lrw-progress]").textContent ?? "", / · verify: 1\/3 trials$/);
  view.model.update({ verify: verifyState([{ lr: 1e-3, valid_loss: 0.52 }, { lr: 3e-3, valid_loss: 0.41 },
    { lr: 9e-3, valid_loss: null, status: "diverged" }], "done") });
  frame();
  trials = view.el.querySelectorAll("[data-lrw-verify-trial]");
  assert.equal(trials.length, 3);
  // at its LR: the guide line's x is the LR's pixel on the log axis
  const xs = [...trials].map((trial) => Number(trial.querySelector("line")?.getAttribute("x1")));
  [1e-3, 3e-3, 9e-3].forEach((lr, i) => assert.ok(Math.abs(xs[i] - xOf(view, lr)) < 0.5, `trial ${i} at ${lr}`));
  const best = view.el.querySelectorAll(".lrw-verify-best");
  assert.equal(best.length, 1);
  assert.equal(best[0].getAttribute("data-lr"), "0.003");
  assert.match(best[0].textContent ?? "", /^best 0\.41/);
  const diverged = view.el.querySelector(".lrw-verify-diverged");
  assert.match(diverged?.textContent ?? "", /^diverged/);
  // labels of neighbouring trials sit on different rows, so they never overlap
  const rows = [...trials].map((trial) => trial.querySelector("text")?.getAttribute("y"));
  assert.notEqual(rows[0], rows[1]);
  assert.notEqual(rows[1], rows[2]);
  view.unmount();
});

test("a new verification replaces the old trials; garbage in the trait draws nothing", () => {
  const view = mount(doneState({ verify: verifyState([{ lr: 1e-3, valid_loss: 0.5 }, { lr: 1e-2, valid_loss: 0.4 }], "done") }));
  assert.equal(view.el.querySelectorAll("[data-lrw-verify-trial]").length, 2);
  view.model.update({ verify: { state: "running", trials: [{ lr: -1, valid_loss: 1 }, "x", { lr: "1e-3" }], summary: 3 } });
  frame();
  assert.equal(view.el.querySelectorAll("[data-lrw-verify-trial]").length, 0);
  assert.doesNotMatch(view.find("[data-lrw-progress]").textContent ?? "", /verify/);
  view.unmount();
});

test("verifyTrials sorts by LR and bestTrial ignores diverged trials", () => {
  const trials = verifyTrials({ trials: [{ lr: 1e-2, valid_loss: 0.3 }, { lr: 1e-3, valid_loss: Infinity },
    { lr: 3e-3, valid_loss: 0.2, status: "done" }] });
  assert.deepEqual(trials.map((t) => t.lr), [1e-3, 3e-3, 1e-2]);
  assert.equal(trials[0].status, "diverged");
  assert.equal(bestTrial(trials), 1);
  assert.equal(bestTrial([]), -1);
  assert.equal(verifyStatus({ summary: "verify: 1/3 trials" }), " · verify: 1/3 trials");
  assert.equal(verifyStatus({}), "");
});

test("in a narrow view a label that would overlap another on its row is left out, never the best's", () => {
  const labels = [
    { x: 100, row: 0, text: "1.93", keep: false },
    { x: 112, row: 1, text: "1.139", keep: false },
    { x: 124, row: 0, text: "best 0.3415", keep: true },
  ];
  assert.deepEqual(labelsThatFit(labels), [false, true, true]);
  // wide apart, every label is written
  assert.deepEqual(labelsThatFit(labels.map((label, i) => ({ ...label, x: 100 + 80 * i }))), [true, true, true]);
});

test("a marker near the top of the plot puts its label below the strip of trials", () => {
  assert.equal(verifyStripBottom(undefined), 0);
  assert.equal(verifyStripBottom(verifyState([])), 0);
  // alpha's dot at the curve's highest point, the top of the plot, where its label would sit in the strip
  const curve = makeCurve();
  const top38 = { lr: curve.lrs[38], point: [curve.lrs[38], curve.losses[38]], tip: "" };
  const view = mount(doneState({ suggestions: { ...makeSuggestions(curve), alpha: top38 }, lr_hi: curve.lrs[38] }));
  const area = view.find("[data-lrw-plot-area]");
  const top = Number(area.getAttribute("y"));
  const labelYs = () => [...view.el.querySelectorAll(".lrw-marker")].map((marker) => {
    const [, y] = (marker.getAttribute("transform") ?? "").match(/translate\(\S+ (\S+)\)/) ?? [];
    return Number(y) + Number(marker.querySelector("text")?.getAttribute("y"));
  });
  view.model.update({ verify: verifyState([{ lr: 1e-3, valid_loss: 0.52 }, { lr: 3e-3, valid_loss: 0.41 }], "done") });
  frame();
  const strip = top + verifyStripBottom(view.model.get("verify"));
  assert.ok(strip > top);
  // every label's top edge (7 px above its middle) is below the strip, wherever its dot is
  for (const y of labelYs()) assert.ok(y - 7 >= strip - 0.5, `label at ${y} is in the strip ending at ${strip}`);
  view.unmount();
});
