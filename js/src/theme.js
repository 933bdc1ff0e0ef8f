// Light or dark: the colours themselves come from the host's CSS variables (styles.css); this module only tells
// the stylesheet whether a host is there at all (`lrw-no-host`), whether the view's own colours must be dark there
// (`lrw-fallback-dark`), and whether the resolved background is dark (`lrw-dark`, which picks the marker palette
// that stays readable on it).

/**
 * Parses a computed colour (`rgb(…)`/`rgba(…)`, comma or space separated).
 * @param {string} color
 * @returns {[number, number, number, number] | null} r, g, b in 0–255 and alpha in 0–1
 */
export function parseRgb(color) {
  const match = /^rgba?\(([^)]+)\)$/.exec(color.trim());
  if (!match) return null;
  const parts = match[1].split(/[\s,/]+/).filter(Boolean);
  if (parts.length < 3) return null;
  const channel = (/** @type {string} */ part, /** @type {number} */ scale) =>
    part.endsWith("%") ? (parseFloat(part) / 100) * scale : parseFloat(part);
  const rgba = /** @type {[number, number, number, number]} */ ([
    channel(parts[0], 255), channel(parts[1], 255), channel(parts[2], 255), parts[3] === undefined ? 1 : channel(parts[3], 1),
  ]);
  return rgba.every(Number.isFinite) ? rgba : null;
}

/**
 * WCAG relative luminance of an sRGB colour.
 * @param {[number, number, number, ...number[]]} rgb 0–255
 * @returns {number} 0 (black) … 1 (white)
 */
export function relativeLuminance([r, g, b]) {
  const linear = (/** @type {number} */ channel) => {
    const c = channel / 255;
    return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b);
}

/**
 * Whether a background colour is dark; null when it is transparent or unreadable.
 * @param {string} color
 * @returns {boolean | null}
 */
export function isDarkBackground(color) {
  const rgba = parseRgb(color);
  if (!rgba || rgba[3] === 0) return null;
  // 0.18 is where black and white text have equal contrast on a background.
  return relativeLuminance(rgba) < 0.18;
}

const HOST_VARIABLES = ["--jp-layout-color0", "--vscode-editor-background"];

/**
 * Whether an ancestor of `element`, across shadow roots, has the class `dark`: how marimo (on <body> and on the
 * wrapper of each output) and Tailwind-styled pages mark a dark theme, whatever the OS's colour scheme says.
 * @param {Element} element
 * @returns {boolean}
 */
export function insideDarkClass(element) {
  /** @type {Element | null} */
  let node = element;
  while (node) {
    if (node.closest(".dark")) return true;
    const top = /** @type {Node & { host?: Element }} */ (node.getRootNode());
    node = top.host ?? null; // a shadow root's host; a document has none
  }
  return false;
}

/**
 * Sets `lrw-no-host` and `lrw-dark` on `root` now and whenever the host's theme may have changed (JupyterLab and
 * VS Code switch themes by changing attributes and styles on <html>/<body>; the OS by the colour-scheme query).
 * @param {HTMLElement} root
 * @returns {{ refresh: () => void, dispose: () => void }}
 */
export function watchTheme(root) {
  const query = typeof matchMedia === "function" ? matchMedia("(prefers-color-scheme: dark)") : null;
  /** @type {ReturnType<typeof setTimeout> | null} */
  let later = null;

  const refresh = () => {
    if (!root.isConnected) return;
    const style = getComputedStyle(root);
    const hasHost = HOST_VARIABLES.some((name) => style.getPropertyValue(name).trim() !== "");
    root.classList.toggle("lrw-no-host", !hasHost);
    // Without a host's variables the view draws its own colours: dark ones when the OS or the page asks for dark.
    const fallbackDark = !hasHost && (Boolean(query?.matches) || insideDarkClass(root));
    root.classList.toggle("lrw-fallback-dark", fallbackDark);
    const dark = isDarkBackground(getComputedStyle(root).backgroundColor) ?? fallbackDark;
    root.classList.toggle("lrw-dark", dark);
  };
  const onChange = () => {
    refresh();
    // A new theme's stylesheet can land after the attribute that announced it.
    if (later !== null) clearTimeout(later);
    later = setTimeout(refresh, 400);
  };

  const observer = new MutationObserver(onChange);
  const attributeFilter = ["class", "style", "data-jp-theme-light", "data-jp-theme-name"];
  observer.observe(document.documentElement, { attributes: true, attributeFilter });
  if (document.body) observer.observe(document.body, { attributes: true, attributeFilter });
  query?.addEventListener("change", onChange);
  refresh();
  return {
    refresh,
    dispose() {
      observer.disconnect();
      query?.removeEventListener("change", onChange);
      if (later !== null) clearTimeout(later);
    },
  };
}
