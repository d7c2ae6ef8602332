// A page's first request, started by the router while the page's own chunk still downloads (router/prefetch.js),
// and handed to the page when it asks for the same thing: the data and the page's code arrive together instead of
// one after the other. A prefetched answer is taken once, and only while fresh; anything else asks the server.
const FRESH_MS = 10_000
export const CHECKOUT_KEY = 'checkout' // GET /api/orders/checkout/ (stores/checkout load, router/prefetch)
const early = new Map() // key → {promise, at}

/** Start `request()` now for a page about to ask for `key` (a request already started and fresh is kept). */
export function prefetch(key, request) {
  const hit = early.get(key)
  if (hit && Date.now() - hit.at < FRESH_MS) return hit.promise
  const promise = request()
  promise.catch(() => {}) // the page that takes it shows the failure
  early.set(key, { promise, at: Date.now() })
  return promise
}

/** The page's request: the prefetched one for `key` if it is fresh (taken once), else `request()`. */
export function takePrefetched(key, request) {
  const hit = early.get(key)
  early.delete(key)
  return hit && Date.now() - hit.at < FRESH_MS ? hit.promise : request()
}

/** Forget every prefetched answer (logout, an expired session: nothing started for the old user is used). */
export function clearPrefetched() {
  early.clear()
}
