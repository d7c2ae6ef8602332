// The one axios instance of the SPA. Only src/api/* may import this file.
// It knows nothing about stores, the router or the UI: the app injects a
// token provider at startup (configureAuth) and listens for 'auth-expired'.
import axios from 'axios'

export const REFRESH_URL = '/users/token/refresh/'

const listeners = new Map()

/** Subscribe to an api event ('auth-expired'). Returns an unsubscribe function. */
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

const noAuth = {
  getAccessToken: () => null,
  getRefreshToken: () => null,
  setAccessToken: () => {},
  setRefreshToken: () => {},
}
let auth = { ...noAuth }

/**
 * Inject how tokens are read and stored (the auth store does this in main.js).
 * @param {{getAccessToken: () => string|null, getRefreshToken: () => string|null,
 *          setAccessToken: (token: string) => void, setRefreshToken: (token: string) => void}} provider
 */
export function configureAuth(provider) {
  auth = { ...noAuth, ...provider }
}

export const http = axios.create({
  baseURL: '/api',
  timeout: 15000, // the result/query endpoints may talk to the gateway first
  headers: { Accept: 'application/json' },
})

http.interceptors.request.use((config) => {
  const token = config.skipAuth ? null : auth.getAccessToken()
  if (token) config.headers.Authorization = `Bearer ${token}`
  return config
})

let refreshing = null

/** POST the refresh token once, shared by every request that got a 401 meanwhile. */
function refreshAccessToken() {
  if (!refreshing) {
    const refresh = auth.getRefreshToken()
    refreshing = (
      refresh
        ? http.post(REFRESH_URL, { refresh }, { skipAuth: true, skipRefresh: true })
        : Promise.reject(new Error('no refresh token'))
    )
      .then((res) => {
        const access = res.data && res.data.access
        if (!access) throw new Error('refresh answered without an access token')
        auth.setAccessToken(access)
        // The server rotates refresh tokens and refuses the one just used: keep the new one.
        if (res.data.refresh) auth.setRefreshToken(res.data.refresh)
        return access
      })
      .finally(() => {
        refreshing = null
      })
  }
  return refreshing
}

http.interceptors.response.use(
  (res) => res,
  async (error) => {
    const config = error.config
    const status = error.response && error.response.status
    if (status !== 401 || !config || config.skipRefresh || config.skipAuth) {
      throw error
    }
    if (config._retried) {
      // Even a fresh token was refused: the session is gone.
      emit('auth-expired', { url: config.url })
      throw error
    }
    if (!auth.getRefreshToken()) {
      emit('auth-expired', { url: config.url })
      throw error
    }
    let access
    try {
      access = await refreshAccessToken()
    } catch {
      emit('auth-expired', { url: config.url })
      throw error
    }
    config._retried = true
    config.headers = { ...(config.headers || {}), Authorization: `Bearer ${access}` }
    return http.request(config)
  },
)

export default http
