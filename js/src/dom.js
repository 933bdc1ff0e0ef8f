// Tiny DOM helpers: element creation with attributes.

const SVG_NS = "http://www.w3.org/2000/svg";

/**
 * @param {Element} element
 * @param {Record<string, string | number | null | undefined>} attributes null/undefined removes the attribute
 */
export function setAttributes(element, attributes) {
  for (const [name, value] of Object.entries(attributes)) {
    if (value === null || value === undefined) element.removeAttribute(name);
    else element.setAttribute(name, String(value));
  }
}

/**
 * @param {string} tag
 * @param {Record<string, string | number | null | undefined>} [attributes]
 * @param {Element | DocumentFragment} [parent]
 * @returns {SVGElement}
 */
export function svgElement(tag, attributes = {}, parent) {
  const element = /** @type {SVGElement} */ (document.createElementNS(SVG_NS, tag));
  setAttributes(element, attributes);
  parent?.appendChild(element);
  return element;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Record<string, string | number | null | undefined>} [attributes]
 * @param {Element | DocumentFragment} [parent]
 * @returns {HTMLElementTagNameMap[K]}
 */
export function htmlElement(tag, attributes = {}, parent) {
  const element = document.createElement(tag);
  setAttributes(element, attributes);
  parent?.appendChild(element);
  return element;
}

/**
 * Sets an element's text only when it changed: redraws run every frame during a run, and an unchanged text node
 * costs nothing to leave alone.
 * @param {Element} element
 * @param {string} text
 */
export function setText(element, text) {
  if (element.textContent !== text) element.textContent = text;
}
