// Where each marker's label goes: beside its dot, clear of the other labels, of every marker's dot and of the
// plot's edges. Pure (pixel arithmetic only), so the collision rules are unit-tested.

/**
 * @typedef {object} LabelItem
 * @property {number} x dot centre, px
 * @property {number} y
 * @property {number} radius dot radius, px
 * @property {number} width label width, px (estimated from its text)
 */

/** @typedef {{ x0: number, y: number }} LabelPlace the label's left edge and its vertical middle */

/** A label's half height and the step by which a crowded label moves up or down. */
export const LABEL_HALF_HEIGHT = 7;
export const LABEL_LINE_PX = 14;
const GAP = 9;
const MAX_SHIFTS = 4;

/**
 * @param {number} a0
 * @param {number} a1
 * @param {number} b0
 * @param {number} b1
 */
const overlaps = (a0, a1, b0, b1) => a0 < b1 && b0 < a1;

/**
 * Places labels in the given order; each takes the first free spot of: right of its dot, left of it, then each of
 * those moved down and up one line at a time. A spot is free when it overlaps no placed label and no dot, and stays
 * within [left, right] × [top, bottom]. When none is free the label sits on its preferred side, no higher than the
 * top bound and moved down below the labels it would hit, so it is never lost.
 * @param {LabelItem[]} items
 * @param {{ left: number, right: number, top: number, bottom: number }} bounds
 * @returns {LabelPlace[]}
 */
export function placeLabels(items, bounds) {
  /** @type {[number, number, number, number][]} x0, x1, y0, y1 */
  const boxes = items.map(({ x, y, radius }) => [x - radius, x + radius, y - radius, y + radius]);
  const dotCount = boxes.length;
  /** @param {number} x0 @param {number} x1 @param {number} y */
  const free = (x0, x1, y) => x0 >= bounds.left && x1 <= bounds.right && y - LABEL_HALF_HEIGHT >= bounds.top &&
    y + LABEL_HALF_HEIGHT <= bounds.bottom &&
    !boxes.some(([a0, a1, b0, b1]) => overlaps(x0, x1, a0, a1) && overlaps(y - LABEL_HALF_HEIGHT, y + LABEL_HALF_HEIGHT, b0, b1));
  return items.map(({ x, y, width }) => {
    const rightX0 = x + GAP;
    const leftX0 = x - GAP - width;
    const sides = rightX0 + width <= bounds.right ? [rightX0, leftX0] : [leftX0, rightX0];
    /** @type {LabelPlace | null} */
    let place = null;
    for (let shift = 0; shift <= MAX_SHIFTS && !place; shift++) {
      const ys = shift === 0 ? [y] : [y + shift * LABEL_LINE_PX, y - shift * LABEL_LINE_PX];
      for (const labelY of ys) {
        const x0 = sides.find((candidate) => free(candidate, candidate + width, labelY));
        if (x0 !== undefined) {
          place = { x0, y: labelY };
          break;
        }
      }
    }
    if (!place) {
      let labelY = Math.max(y, bounds.top + LABEL_HALF_HEIGHT);
      const x0 = sides[0];
      const labels = boxes.slice(dotCount);
      while (labels.some(([a0, a1, b0, b1]) => overlaps(x0, x0 + width, a0, a1) &&
        overlaps(labelY - LABEL_HALF_HEIGHT, labelY + LABEL_HALF_HEIGHT, b0, b1))) labelY += LABEL_LINE_PX;
      place = { x0, y: labelY };
    }
    boxes.push([place.x0, place.x0 + width, place.y - LABEL_HALF_HEIGHT, place.y + LABEL_HALF_HEIGHT]);
    return place;
  });
}
