/** Names the page's boot script (src/docs/page-html.ts, at build time) and the console (in the page) share. */

/** The query parameter that names the Try-it server (a base URL; the key is never in the URL). */
export const TRY_IT_SERVER_PARAM = 'try-it-server';

/** The global the boot script leaves for the console: the chosen base URL, or null. */
export const TRY_IT_SERVER_GLOBAL = '__orqTryItServer';

/** The element the console mounts into, in place of the spec's `<!-- try-it ... -->` marker. */
export const TRY_IT_MOUNT_ID = 'orq-try-it';
