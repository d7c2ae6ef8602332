// A GET that index.html's inline script sends with the page itself (vite.config.js preloadLandingPage), for a
// landing page that needs a login and whose first paint waits for it (checkout: GET /api/orders/checkout/, the
// token read from localStorage as the auth store reads it). The request then leaves with the HTML, in parallel
// with the JavaScript, instead of after the entry has run. The app's request for the same URL takes it once
// (api/client.js uses its answer only when it was sent with the token the app would send; a 401 is refreshed and
// sent again as usual). A browser preload cannot do this: it carries no Authorization header.
const FRESH_MS = 10_000

/**
 * The early request for `url`, taken once; null when there is none, it is for another URL, or it is stale.
 * @param {string} url
 * @returns {import('@/api/types').EarlyRequest | null}
 */
export function takeEarly(url) {
  const w = /** @type {any} */ (window)
  const early = w.__luffyEarly
  if (!early) return null
  w.__luffyEarly = null
  return early.url === url && Date.now() - early.at < FRESH_MS ? early : null
}
