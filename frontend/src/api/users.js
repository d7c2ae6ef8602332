import * as api from './client'

/** @param {string} username @param {string} password */
export const login = (username, password) =>
  api.post('/api/users/login/', { body: { username, password }, skipAuth: true, skipRefresh: true })

/** @param {string} mobile @param {string} password @param {string} password2 */
export const register = (mobile, password, password2) =>
  api.post('/api/users/register/', { body: { mobile, password, password2 }, skipAuth: true, skipRefresh: true })

/**
 * Revoke a refresh token on the server. The token itself is the credential, so no bearer and no refresh.
 * @param {string} refresh
 */
export const logout = (refresh) =>
  api.post('/api/users/logout/', { body: { refresh }, skipAuth: true, skipRefresh: true }).then(() => undefined)

/** @param {{early?: import('./types').EarlyRequest | null}} [opts] `early`: the same GET, already sent by index.html */
export const fetchMe = (opts = {}) => api.get('/api/users/me/', opts)

export const fetchMyCourses = () => api.get('/api/users/courses/')

/** @param {import('./types').Query<import('./types').Op<'/api/users/credits/', 'get'>>} [query] */
export const fetchMyCredits = (query = {}) => api.get('/api/users/credits/', { query })

/** The wallet: {money: "12.30", entries: [{amount, reason, order_number, operation_display, created_time}]}. */
export const fetchWallet = () => api.get('/api/users/wallet/')
