/**
 * The page: what goes into Redocly (the document, with the spec's generated sections filled in) and what the build
 * does to the HTML Redocly writes (no network but the one server the reader chose for Try it, the operation as the
 * landing, and the Try-it console's script).
 *
 * The document is the spec as written, with the sections that are generated rather than written put in where the spec
 * marks them. A tag description (a Redoc "trait tag", a section of prose after the operation) holds an HTML comment
 * such as `<!-- error-table: ... -->`; other renderers show nothing there, this page shows the table.
 *
 * The Content-Security-Policy is two policies, and a browser enforces both (each can only narrow what the other
 * allows):
 * - the static one in the page forbids everything but the page's own inline scripts, styles, data:/blob: images and
 *   fonts, and HTTP(S) connections and images;
 * - the first script of the page, before anything else runs, adds a second policy that allows connections and images
 *   from one origin only: the server chosen for Try it (`?try-it-server=<base URL>`; by default the origin that
 *   served the page, i.e. the mock at /docs, or the spec's local mock when the page is opened from disk). If that
 *   script fails, it adds `connect-src 'none'` instead.
 * A policy cannot be widened after load, and local frames (srcdoc, blob:, data:) inherit the page's policy, so a
 * console that could switch servers in place would need a document with a wider policy; picking another server
 * reloads the page instead, with the new server in its query string (never the key, which is held in memory only).
 */
import { errorTableMarkdown } from './error-table.js';
import { TRY_IT_MOUNT_ID, TRY_IT_SERVER_GLOBAL, TRY_IT_SERVER_PARAM } from './try-it/server.js';

const GENERATED_SECTIONS: Record<string, () => string> = {
  'error-table': errorTableMarkdown,
  'try-it': () =>
    `<div id="${TRY_IT_MOUNT_ID}"><p><em>The console starts once the page's script runs (it needs JavaScript).</em></p></div>`,
};

interface TagObject {
  name: string;
  description?: string;
}

/** A copy of `spec` with every generated section filled in; throws when the spec no longer marks one of them. */
export function pageDocument<T extends { tags?: TagObject[] }>(spec: T): T {
  const copy = structuredClone(spec);
  for (const [marker, make] of Object.entries(GENERATED_SECTIONS)) {
    const pattern = new RegExp(`<!--\\s*${marker}\\b[\\s\\S]*?-->`);
    const tag = copy.tags?.find((candidate) => pattern.test(candidate.description ?? ''));
    if (!tag)
      throw new Error(
        `docs: no tag description in the spec holds the <!-- ${marker} --> marker, so the page would lack it`,
      );
    tag.description = tag.description!.replace(pattern, () => `\n\n${make()}\n`);
  }
  return copy;
}

/** The static policy: no network at all except HTTP(S) connections and images, which the boot script narrows. */
export const CONTENT_SECURITY_POLICY =
  "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; img-src data: blob: http: https:; font-src data:; connect-src http: https:; worker-src blob:; frame-src 'none'; base-uri 'none'; form-action 'none'";

/** Stands in for cdn.redoc.ly's "Redocly" logo in the sidebar's attribution link: the same word, drawn locally. */
const LOGO_SVG =
  '<svg xmlns="http://www.w3.org/2000/svg" width="64" height="16" viewBox="0 0 64 16"><text x="0" y="12.5" font-family="system-ui,-apple-system,Segoe UI,Roboto,Helvetica,Arial,sans-serif" font-size="13" font-weight="600" fill="#0044D4">Redocly</text></svg>';
const LOGO_DATA_URL = `data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`;
const REMOTE_LOGO = /https:\/\/cdn\.redoc(?:ly)?\.(?:ly|com)\/redoc\/logo[\w-]*\.svg/g;

export interface PageExtras {
  /** Redoc's route of the operation (`#/images/createimageedit`): where a reader who opens the page lands. */
  landingRoute?: string;
  /** The server Try it uses when the page is opened from disk (the spec's local mock). */
  fileDefaultServer?: string;
  /** The Try-it console, as one classic script. */
  tryItScript?: string;
}

/**
 * The page's first script: narrows the policy to the chosen server, then sends a reader who opened the page (no
 * route yet) to the operation, and has Redoc render every section at once (so find-in-page reaches every field). It
 * runs before anything else.
 */
function bootScript(extras: PageExtras): string {
  const settings = JSON.stringify({
    param: TRY_IT_SERVER_PARAM,
    global: TRY_IT_SERVER_GLOBAL,
    fileDefault: extras.fileDefaultServer ?? null,
    landing: extras.landingRoute ?? null,
  });
  return `(function (s) {
  var policy = "connect-src 'none'; img-src data: blob:";
  try {
    var chosen = new URLSearchParams(location.search).get(s.param);
    var base = chosen || (/^https?:$/.test(location.protocol) ? location.origin : s.fileDefault);
    var url = new URL(base);
    if (!/^https?:$/.test(url.protocol) || url.username || url.password) throw new Error('not an http(s) base URL');
    window[s.global] = url.href.replace(/\\/+$/, '');
    policy = 'connect-src ' + url.origin + '; img-src data: blob: ' + url.origin;
  } catch (error) {
    window[s.global] = null;
  } finally {
    var meta = document.createElement('meta');
    meta.httpEquiv = 'Content-Security-Policy';
    meta.content = policy;
    document.head.appendChild(meta);
  }
  // Redoc mounts a section or a nested schema only when it nears the viewport (an IntersectionObserver with a
  // rootMargin; it has no option to turn that off), so the browser's find-in-page could not reach a field below the
  // fold. Those observers are told at once that their target is in view: everything is rendered, as on paper.
  var Native = window.IntersectionObserver;
  if (Native) {
    window.IntersectionObserver = class extends Native {
      constructor(callback, options) {
        super(callback, options);
        this.eager = options && options.rootMargin ? callback : null;
      }
      observe(target) {
        super.observe(target);
        var callback = this.eager, observer = this;
        if (callback) setTimeout(function () {
          var box = target.getBoundingClientRect();
          callback([{ target: target, isIntersecting: true, intersectionRatio: 1, boundingClientRect: box, intersectionRect: box, rootBounds: null, time: performance.now() }], observer);
        }, 0);
      }
    };
  }
  if (s.landing && (location.hash === '' || location.hash === '#' || location.hash === '#/')) {
    history.replaceState(history.state, '', location.pathname + location.search + s.landing);
  }
})(${settings});`;
}

/** Keeps a script's text from ending its <script> element early. */
function inlineScript(code: string): string {
  return code.replace(/<\/(script)/gi, '<\\/$1').replace(/<!--/g, '<\\!--');
}

/** Makes Redocly's inline-bundle page offline (but for the chosen Try-it server) and adds the landing and console
 *  scripts; throws if anything in it would still reach the network on its own. */
export function makeOffline(html: string, extras: PageExtras = {}): string {
  let page = html.replace(REMOTE_LOGO, LOGO_DATA_URL);
  const csp = `<meta http-equiv="Content-Security-Policy" content="${CONTENT_SECURITY_POLICY}">`;
  if (!/<head>/i.test(page)) throw new Error('docs: the page Redocly wrote has no <head>');
  // The boot script goes right after the static policy, before Redoc's own scripts and styles.
  // The empty icon keeps browsers from asking the server for /favicon.ico.
  const icon = '<link rel="icon" href="data:,">';
  page = page.replace(
    /<head>/i,
    () => `<head>\n  ${csp}\n  <script>${inlineScript(bootScript(extras))}</script>\n  ${icon}`,
  );
  if (extras.tryItScript !== undefined) {
    // (Not toLowerCase().lastIndexOf: lower-casing some characters of Redoc's bundle changes the string's length.)
    const end = [...page.matchAll(/<\/body>/gi)].at(-1)?.index;
    if (end === undefined) throw new Error('docs: the page Redocly wrote has no </body>');
    page = `${page.slice(0, end)}<script>${inlineScript(extras.tryItScript)}</script>\n${page.slice(end)}`;
  }

  const problems: string[] = [];
  if (/<script[^>]*\ssrc=/i.test(page)) problems.push('a <script src> (Redoc not inlined)');
  if (/<link[^>]*\shref=["']?(?:https?:)?\/\//i.test(page)) problems.push('a <link> to another host');
  if (/@import\s+url\(\s*["']?(?:https?:)?\/\//i.test(page)) problems.push('a CSS @import of a remote stylesheet');
  if (/cdn\.redoc\.ly\/redoc\/logo/.test(page)) problems.push('the remote Redocly logo');
  if (!/"disableTelemetry":\s*true/.test(page)) problems.push('Redoc telemetry is not disabled');
  if (problems.length > 0) throw new Error(`docs: the built page is not self-contained: ${problems.join('; ')}`);
  return page;
}

/** Redoc's route of a tagged operation: `#/<tag>/<operationId>`, each lower-cased with anything else as `-`. */
export function operationRoute(tag: string, operationId: string): string {
  const slug = (text: string) =>
    text
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
      .replace(/^-|-$/g, '');
  return `#/${slug(tag)}/${slug(operationId)}`;
}
