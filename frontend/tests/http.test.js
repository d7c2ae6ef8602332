import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { http, configureAuth, onApiEvent } from '@/api/http'
import { errorMessage, errorCode } from '@/api/errors'
import { relayAlipayResult } from '@/api/payments'

// A fake transport: records every request and answers from a handler.
let calls
let handler
function fakeAdapter(config) {
  calls.push({ url: config.url, method: config.method, auth: config.headers.Authorization, data: config.data })
  const [status, data] = handler(config)
  const response = { status, data, headers: {}, config, statusText: String(status) }
  if (status >= 200 && status < 300) return Promise.resolve(response)
  const err = new Error(`Request failed with status code ${status}`)
  err.config = config
  err.response = response
  err.isAxiosError = true
  return Promise.reject(err)
}

let tokens
beforeEach(() => {
  calls = []
  tokens = { access: 'old-access', refresh: 'the-refresh' }
  http.defaults.adapter = fakeAdapter
  configureAuth({
    getAccessToken: () => tokens.access,
    getRefreshToken: () => tokens.refresh,
    setAccessToken: (t) => (tokens.access = t),
    setRefreshToken: (t) => (tokens.refresh = t),
  })
})
afterEach(() => configureAuth({}))

describe('http client', () => {
  it('sends the injected access token as a Bearer header', async () => {
    handler = () => [200, { ok: true }]
    await http.get('/users/me/')
    expect(calls[0].auth).toBe('Bearer old-access')
    expect(calls[0].url).toBe('/users/me/')
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    handler = (config) => {
      if (config.url === '/users/token/refresh/') return [200, { access: 'new-access' }]
      return config.headers.Authorization === 'Bearer new-access' ? [200, { id: 1 }] : [401, { errmsg: 'expired' }]
    }
    const res = await http.get('/users/me/')
    expect(res.data).toEqual({ id: 1 })
    expect(calls.map((c) => c.url)).toEqual(['/users/me/', '/users/token/refresh/', '/users/me/'])
    expect(JSON.parse(calls[1].data)).toEqual({ refresh: 'the-refresh' })
    expect(calls[1].auth).toBeUndefined()
    expect(tokens.access).toBe('new-access')
  })

  it('keeps the rotated refresh token the server answers with', async () => {
    handler = (config) => {
      if (config.url === '/users/token/refresh/') return [200, { access: 'new-access', refresh: 'next-refresh' }]
      return config.headers.Authorization === 'Bearer new-access' ? [200, { id: 1 }] : [401, {}]
    }
    await http.get('/users/me/')
    expect(tokens).toEqual({ access: 'new-access', refresh: 'next-refresh' })
  })

  it('logout posts the refresh token without a bearer and never refreshes', async () => {
    const { logout } = await import('@/api/users')
    handler = () => [401, { errmsg: 'bad', code: 'token_invalid' }]
    await expect(logout('the-refresh')).rejects.toMatchObject({ response: { status: 401 } })
    expect(calls).toHaveLength(1)
    expect(calls[0].url).toBe('/users/logout/')
    expect(calls[0].auth).toBeUndefined()
    expect(JSON.parse(calls[0].data)).toEqual({ refresh: 'the-refresh' })
  })

  it('shares one refresh between concurrent 401s', async () => {
    handler = (config) => {
      if (config.url === '/users/token/refresh/') return [200, { access: 'new-access' }]
      return config.headers.Authorization === 'Bearer new-access' ? [200, {}] : [401, {}]
    }
    await Promise.all([http.get('/a/'), http.get('/b/'), http.get('/c/')])
    expect(calls.filter((c) => c.url === '/users/token/refresh/')).toHaveLength(1)
  })

  it('emits auth-expired when the refresh fails, and does not loop', async () => {
    const expired = vi.fn()
    const off = onApiEvent('auth-expired', expired)
    handler = (config) => (config.url === '/users/token/refresh/' ? [401, { errmsg: 'bad refresh' }] : [401, {}])
    await expect(http.get('/cart/')).rejects.toMatchObject({ response: { status: 401 } })
    expect(expired).toHaveBeenCalledTimes(1)
    expect(calls.map((c) => c.url)).toEqual(['/cart/', '/users/token/refresh/'])
    off()
  })

  it('emits auth-expired when even the retried request is refused', async () => {
    const expired = vi.fn()
    const off = onApiEvent('auth-expired', expired)
    handler = (config) => (config.url === '/users/token/refresh/' ? [200, { access: 'new' }] : [401, {}])
    await expect(http.get('/cart/')).rejects.toBeTruthy()
    expect(calls).toHaveLength(3)
    expect(expired).toHaveBeenCalledTimes(1)
    off()
  })

  it('does not refresh on a 401 from login itself', async () => {
    handler = () => [401, { errmsg: '用户名或密码错误', code: 'auth_failed' }]
    const err = await http.post('/users/login/', {}, { skipAuth: true, skipRefresh: true }).catch((e) => e)
    expect(calls).toHaveLength(1)
    expect(errorMessage(err)).toBe('用户名或密码错误')
    expect(errorCode(err)).toBe('auth_failed')
  })

  it('relays the Alipay return query string unchanged', async () => {
    handler = () => [200, { pay_time: 'x', real_price: '1.00', course_list: [] }]
    const qs = '?charset=utf-8&out_trade_no=2026&sign=a%2Bb%3D%3D&timestamp=2026-11-25+12%3A50%3A02'
    await relayAlipayResult(qs)
    expect(calls[0].url).toBe(`/payments/alipay/result/${qs}`)
  })
})

describe('errorMessage', () => {
  it('prefers errmsg, then detail, then a field error, then a fallback', () => {
    expect(errorMessage({ response: { status: 400, data: { errmsg: 'A' } } })).toBe('A')
    expect(errorMessage({ response: { status: 400, data: { detail: 'B' } } })).toBe('B')
    expect(errorMessage({ response: { status: 400, data: { mobile: ['C'] } } })).toBe('C')
    expect(errorMessage({ response: { status: 502, data: '<html>' } })).toContain('502')
    expect(errorMessage({ message: 'Network Error' })).toContain('网络')
  })
})
