import http from './http'

export const login = (username, password) =>
  http.post('/users/login/', { username, password }, { skipAuth: true, skipRefresh: true }).then((r) => r.data)

export const register = (mobile, password, password2) =>
  http
    .post('/users/register/', { mobile, password, password2 }, { skipAuth: true, skipRefresh: true })
    .then((r) => r.data)

/** Revoke a refresh token on the server. The token itself is the credential, so no bearer and no refresh. */
export const logout = (refresh) =>
  http.post('/users/logout/', { refresh }, { skipAuth: true, skipRefresh: true }).then(() => undefined)

export const fetchMe = () => http.get('/users/me/').then((r) => r.data)

export const fetchMyCourses = (params = {}) => http.get('/users/courses/', { params }).then((r) => r.data)

export const fetchMyCredits = (params = {}) => http.get('/users/credits/', { params }).then((r) => r.data)

/** The wallet: {money: "12.30", entries: [{amount, reason, order_number, operation_display, created_time}]}. */
export const fetchWallet = () => http.get('/users/wallet/').then((r) => r.data)
