// Which layer group's LR the x axis reads in after a discriminative range test (src/groups.js).
import assert from "node:assert/strict";
import { test } from "node:test";
import { groupAxis, groupOptions, groupRatios, shownGroup } from "../src/groups.js";

test("ratios: one finite number > 0 per group, else none (a plain range test)", () => {
  assert.deepEqual(groupRatios([0.01, 0.1, 1], 3), [0.01, 0.1, 1]);
  assert.deepEqual(groupRatios([], 3), []);
  assert.deepEqual(groupRatios([0.1, 1], 3), []); // not one per group
  assert.deepEqual(groupRatios([0, 1], 2), []);
  assert.deepEqual(groupRatios([null, 1], 2), []);
  assert.deepEqual(groupRatios("0.1,1", 2), []);
  assert.deepEqual(groupRatios([1], 1), []); // one group: nothing to choose
});

test("the axis names the group it shows; the last (recorded) one by default, called the head", () => {
  const ratios = [0.01, 0.1, 1];
  assert.deepEqual(groupAxis(ratios, 3, null), { title: "LR of group 3 of 3 (head)", unit: 1, handleName: "group 3" });
  assert.deepEqual(groupAxis(ratios, 3, 0), { title: "LR of group 1 of 3", unit: 0.01, handleName: "group 1" });
  assert.equal(groupAxis(ratios, 3, 7).unit, 1); // a stale pick falls back to the last group
});

test("a plain range test: one LR for all groups, and the title says so when there are several", () => {
  assert.equal(groupAxis([], 1, null).title, "learning rate");
  assert.equal(groupAxis([], 3, null).title, "learning rate (all 3 layer groups)");
  assert.equal(groupAxis([], 3, 0).unit, 1);
});

test("the selector lists each group with its modules and its multiple of the head's LR", () => {
  const options = groupOptions([0.01, 0.1, 1], ["0 (Linear) … 2 (ReLU)", "3 (Linear)", "5 (Linear)"]);
  assert.deepEqual(options.map((option) => option.value), ["0", "1", "2"]);
  assert.equal(options[0].text, "group 1 · ×0.01 · 0 (Linear) … 2 (ReLU)");
  assert.equal(options[2].text, "group 3 (head) · 5 (Linear)");
  assert.equal(groupOptions([0.5, 1], "garbage")[0].text, "group 1 · ×0.5");
});

test("shownGroup clamps to the groups there are", () => {
  assert.equal(shownGroup(null, 3), 2);
  assert.equal(shownGroup(1, 3), 1);
  assert.equal(shownGroup(-1, 3), 2);
  assert.equal(shownGroup(1.5, 3), 2);
});
