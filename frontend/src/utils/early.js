// GETs that index.html's inline script sends with the page itself (vite.config.js preloadLandingPage), with the
// access token read from localStorage as the auth store reads it: a landing page that needs a login and whose first
// paint waits for one (checkout: GET /api/orders/checkout/), and, on any page with a stored access token, the two
// GETs main.js makes for the header (/api/users/me/, /api/cart/). They then leave with the HTML, in parallel with the
// JavaScript, instead of after the entry has run. The app's request for the same URL takes its answer once
// (api/client.js uses it only when it was sent with the token the app would send; a 401 is refreshed and sent again
// as usual). A browser preload cannot do this: it carries no Authorization header.
const FRESH_MS = 10_000

/**
 * The early request for `url`, taken once; null when there is none or it is stale.
 * @param {string} url
 * @returns {import('@/api/types').EarlyRequest | null}
 */
export function takeEarly(url) {
  const all = /** @type {any} */ (window).__luffyEarly
  const early = all && all[url]
  if (!early) return null
  delete all[url]
  return Date.now() - early.at < FRESH_MS ? early : null // keyed by URL; api/client.js also checks URL and token
}
