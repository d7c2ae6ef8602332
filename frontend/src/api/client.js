// The SPA's one HTTP client, on the browser's fetch. Only src/api/* may import this file.
// Typed by the generated schema (schema.d.ts, `npm run gen:api` from openapi.yaml): a path names the operation,
// and its options (path placeholders, query, body) and its answer are the schema's types — a field the schema
// does not have is a type error in `npm test` (vue-tsc). It knows nothing about stores, the router or the UI:
// the app injects a token provider at startup (configureAuth) and listens for 'auth-expired'.
//
// On 401 it POSTs the refresh token once (shared by concurrent requests), keeps the rotated refresh token the
// server answers with and retries once, else emits 'auth-expired'. A failed request rejects with an ApiError:
// {status, code, errmsg, body, response: {status, data}} — `code` one of the schema's ErrorCode values.

/** @typedef {import('./schema').paths} Paths */
/** @typedef {import('./types').Method} Method */
/** @typedef {import('./types').ErrorCode} ErrorCode */
/** @typedef {import('./types').ErrorBody} ErrorBody */

export const BASE_URL = '/api'
export const REFRESH_URL = '/api/users/token/refresh/'
export const TIMEOUT_MS = 15000 // the result/query endpoints may talk to the gateway first

/** A refused or failed request. `status` is 0 when no answer came (network error or timeout). */
export class ApiError extends Error {
  /**
   * @param {string} message
   * @param {{status?: number, data?: any, kind?: 'http'|'network'|'timeout', url?: string}} [init]
   */
  constructor(message, { status = 0, data = undefined, kind = 'http', url = '' } = {}) {
    super(message)
    this.name = 'ApiError'
    /** 'http' (the server answered), 'network' (no answer), 'timeout' (no answer in time) */
    this.kind = kind
    this.url = url
    this.status = status
    /** The error body when it is the shop's {errmsg, code, ...}, else {}. @type {Partial<ErrorBody>} */
    this.body = data && typeof data === 'object' && !Array.isArray(data) ? data : {}
    /** @type {ErrorCode | ''} */
    this.code = this.body.code || ''
    this.errmsg = this.body.errmsg || ''
    /** What the server answered, as it came (JSON or text); undefined when nothing came. */
    this.response = kind === 'http' ? { status, data } : undefined
  }
}

const listeners = new Map()

/**
 * Subscribe to an api event ('auth-expired'). Returns an unsubscribe function.
 * @param {'auth-expired'} name
 * @param {(payload: {url: string}) => void} fn
 */
export function onApiEvent(name, fn) {
  if (!listeners.has(name)) listeners.set(name, new Set())
  listeners.get(name).add(fn)
  return () => listeners.get(name)?.delete(fn)
}

function emit(name, payload) {
  for (const fn of listeners.get(name) || []) {
    try {
      fn(payload)
    } catch (e) {
      console.error(e) // a listener's bug must not break the request chain
    }
  }
}

/**
 * @typedef {{getAccessToken: () => string|null, getRefreshToken: () => string|null,
 *            setAccessToken: (token: string) => void, setRefreshToken: (token: string) => void}} AuthProvider
 */
/** @type {AuthProvider} */
const noAuth = {
  getAccessToken: () => null,
  getRefreshToken: () => null,
  setAccessToken: () => {},
  setRefreshToken: () => {},
}
let auth = { ...noAuth }

/**
 * Inject how tokens are read and stored (the auth store does this in main.js).
 * @param {Partial<AuthProvider>} provider
 */
export function configureAuth(provider) {
  auth = { ...noAuth, ...provider }
}

/**
 * "/orders/{order_number}/" + {order_number: "N 1"} -> "/orders/N%201/", then the query.
 * @param {string} path
 * @param {{path?: any, query?: any, search?: string}} [opts]
 */
function buildUrl(path, { path: params, query, search } = {}) {
  let url = String(path).replace(/\{(\w+)\}/g, (_, name) => {
    const value = params && params[name]
    if (value === undefined || value === null) throw new Error(`missing path parameter ${name} for ${path}`)
    return encodeURIComponent(String(value))
  })
  if (search) {
    url += search.startsWith('?') ? search : `?${search}`
  } else if (query) {
    const qs = new URLSearchParams()
    for (const [key, value] of Object.entries(query)) {
      if (value !== undefined && value !== null && value !== '') qs.append(key, String(value))
    }
    const s = qs.toString()
    if (s) url += `?${s}`
  }
  return url
}

async function readBody(res) {
  if (res.status === 204) return undefined
  const text = await res.text()
  if (!text) return undefined
  if ((res.headers.get('content-type') || '').includes('json')) {
    try {
      return JSON.parse(text)
    } catch {
      return text
    }
  }
  return text
}

/** One fetch with the bearer token (unless skipAuth) and a timeout; rejects with ApiError unless 2xx. */
async function send(method, url, opts) {
  const headers = { Accept: 'application/json' }
  const token = opts.skipAuth ? null : opts.token || auth.getAccessToken()
  if (token) headers.Authorization = `Bearer ${token}`
  let body
  if (opts.body !== undefined) {
    headers['Content-Type'] = 'application/json'
    body = JSON.stringify(opts.body)
  }
  const controller = new AbortController()
  let timedOut = false
  const timer = setTimeout(() => {
    timedOut = true
    controller.abort()
  }, opts.timeout ?? TIMEOUT_MS)
  let res
  try {
    // index.html's inline script sent this GET with the page, with this token: take its answer (within the timeout).
    const early = opts.early && method === 'get' && opts.early.url === url && token && opts.early.token === token ? opts.early : null
    res = early
      ? await new Promise((resolve, reject) => {
          early.response.then(resolve, reject)
          controller.signal.addEventListener('abort', () => reject(new Error('aborted')))
        })
      : await fetch(url, { method: method.toUpperCase(), headers, body, signal: controller.signal })
  } catch (e) {
    throw timedOut
      ? new ApiError('请求超时，请稍后重试', { kind: 'timeout', url })
      : new ApiError((e && e.message) || 'Network Error', { kind: 'network', url })
  } finally {
    clearTimeout(timer)
  }
  const data = await readBody(res)
  if (!res.ok) throw new ApiError(`Request failed with status code ${res.status}`, { status: res.status, data, url })
  return data
}

let refreshing = null

/** POST the refresh token once, shared by every request that got a 401 meanwhile. */
function refreshAccessToken() {
  if (!refreshing) {
    const refresh = auth.getRefreshToken()
    refreshing = (
      refresh ? send('post', REFRESH_URL, { body: { refresh }, skipAuth: true }) : Promise.reject(new Error('no refresh token'))
    )
      .then((data) => {
        const access = data && data.access
        if (!access) throw new Error('refresh answered without an access token')
        auth.setAccessToken(access)
        // The server rotates refresh tokens and refuses the one just used: keep the new one.
        if (data.refresh) auth.setRefreshToken(data.refresh)
        return access
      })
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

/**
 * Send a request to `path` (a path of the schema, e.g. "/api/orders/{order_number}/"), refreshing the access
 * token once on a 401. Untyped: use get / post / put / patch / del.
 * @param {Method} method
 * @param {string} path
 * @param {import('./types').BodyOptions<any>} [opts]
 * @returns {Promise<any>}
 */
export async function request(method, path, opts = {}) {
  const url = BASE_URL + buildUrl(String(path).replace(/^\/api(?=\/)/, ''), opts)
  try {
    return await send(method, url, opts)
  } catch (error) {
    if (!(error instanceof ApiError) || error.status !== 401 || opts.skipRefresh || opts.skipAuth) throw error
    if (!auth.getRefreshToken()) {
      emit('auth-expired', { url })
      throw error
    }
    let access
    try {
      access = await refreshAccessToken()
    } catch {
      emit('auth-expired', { url })
      throw error
    }
    try {
      return await send(method, url, { ...opts, token: access, early: null })
    } catch (again) {
      // Even a fresh token was refused: the session is gone.
      if (again instanceof ApiError && again.status === 401) emit('auth-expired', { url })
      throw again
    }
  }
}

/**
 * @template {import('./types').PathsWith<'get'>} P
 * @param {P} path
 * @param {import('./types').Options<import('./types').Op<P, 'get'>>} [opts]
 * @returns {Promise<import('./types').Success<import('./types').Op<P, 'get'>>>}
 */
export const get = (path, opts) => request('get', path, opts)

/**
 * @template {import('./types').PathsWith<'post'>} P
 * @param {P} path
 * @param {import('./types').BodyOptions<import('./types').Op<P, 'post'>>} [opts]
 * @returns {Promise<import('./types').Success<import('./types').Op<P, 'post'>>>}
 */
export const post = (path, opts) => request('post', path, opts)

/**
 * @template {import('./types').PathsWith<'put'>} P
 * @param {P} path
 * @param {import('./types').BodyOptions<import('./types').Op<P, 'put'>>} [opts]
 * @returns {Promise<import('./types').Success<import('./types').Op<P, 'put'>>>}
 */
export const put = (path, opts) => request('put', path, opts)

/**
 * @template {import('./types').PathsWith<'patch'>} P
 * @param {P} path
 * @param {import('./types').BodyOptions<import('./types').Op<P, 'patch'>>} [opts]
 * @returns {Promise<import('./types').Success<import('./types').Op<P, 'patch'>>>}
 */
export const patch = (path, opts) => request('patch', path, opts)

/**
 * @template {import('./types').PathsWith<'delete'>} P
 * @param {P} path
 * @param {import('./types').Options<import('./types').Op<P, 'delete'>>} [opts]
 * @returns {Promise<import('./types').Success<import('./types').Op<P, 'delete'>>>}
 */
export const del = (path, opts) => request('delete', path, opts)
