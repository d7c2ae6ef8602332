import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as api from '@/api/client'
import { configureAuth, onApiEvent, ApiError } from '@/api/client'
import { errorMessage, errorCode } from '@/api/errors'
import { relayAlipayResult } from '@/api/payments'

// A fake transport in place of the browser's fetch: records every request and answers from a handler.
let calls
let handler
function fakeFetch(url, init) {
  const call = { url, method: init.method, auth: init.headers.Authorization, data: init.body }
  calls.push(call)
  if (init.signal && handler.hang) {
    return new Promise((_, reject) => init.signal.addEventListener('abort', () => reject(new DOMException('aborted', 'AbortError'))))
  }
  const [status, data] = handler(call)
  const body = status === 204 ? null : typeof data === 'string' ? data : JSON.stringify(data)
  const type = typeof data === 'string' ? 'text/html' : 'application/json'
  return Promise.resolve(new Response(body, { status, headers: { 'Content-Type': type } }))
}

let tokens
beforeEach(() => {
  calls = []
  tokens = { access: 'old-access', refresh: 'the-refresh' }
  vi.stubGlobal('fetch', vi.fn(fakeFetch))
  configureAuth({
    getAccessToken: () => tokens.access,
    getRefreshToken: () => tokens.refresh,
    setAccessToken: (t) => (tokens.access = t),
    setRefreshToken: (t) => (tokens.refresh = t),
  })
})
afterEach(() => {
  configureAuth({})
  vi.unstubAllGlobals()
  vi.useRealTimers()
})

describe('api client', () => {
  it('sends the injected access token as a Bearer header', async () => {
    handler = () => [200, { ok: true }]
    expect(await api.get('/api/users/me/')).toEqual({ ok: true })
    expect(calls[0].auth).toBe('Bearer old-access')
    expect(calls[0].url).toBe('/api/users/me/')
    expect(calls[0].method).toBe('GET')
  })

  it('fills the path placeholders (encoded) and the query, and sends the body as JSON', async () => {
    handler = () => [200, {}]
    await api.get('/api/orders/{order_number}/', { path: { order_number: 'N 1/2' } })
    await api.get('/api/courses/', { query: { page: 2, search: 'a b', category: undefined } })
    await api.post('/api/cart/', { body: { course_id: 3 } })
    expect(calls.map((c) => c.url)).toEqual(['/api/orders/N%201%2F2/', '/api/courses/?page=2&search=a+b', '/api/cart/'])
    expect(calls[2].method).toBe('POST')
    expect(JSON.parse(calls[2].data)).toEqual({ course_id: 3 })
  })

  it('normalises a refusal to an ApiError {status, code, errmsg, body}', async () => {
    handler = () => [400, { errmsg: '购物车是空的', code: 'cart_empty' }]
    const err = await api.get('/api/cart/order/').catch((e) => e)
    expect(err).toBeInstanceOf(ApiError)
    expect(err).toMatchObject({ status: 400, code: 'cart_empty', errmsg: '购物车是空的', kind: 'http' })
    expect(err.response).toEqual({ status: 400, data: { errmsg: '购物车是空的', code: 'cart_empty' } })
    expect(errorCode(err)).toBe('cart_empty')
    expect(errorMessage(err)).toBe('购物车是空的')
  })

  it('a non-JSON 5xx still has a status and a readable message', async () => {
    handler = () => [502, '<html>bad gateway</html>']
    const err = await api.get('/api/cart/').catch((e) => e)
    expect(err).toMatchObject({ status: 502, code: '' })
    expect(errorMessage(err)).toContain('502')
  })

  it('a 204 answers undefined', async () => {
    handler = () => [204, null]
    expect(await api.del('/api/cart/', { query: { course_id: 1 } })).toBeUndefined()
    expect(calls[0].url).toBe('/api/cart/?course_id=1')
  })

  it('gives up after the timeout with a timeout error', async () => {
    vi.useFakeTimers()
    handler = { hang: true }
    const pending = api.get('/api/users/me/', { timeout: 1000 }).catch((e) => e)
    await vi.advanceTimersByTimeAsync(1001)
    const err = await pending
    expect(err).toMatchObject({ kind: 'timeout', status: 0 })
    expect(errorMessage(err)).toBe('请求超时，请稍后重试')
  })

  it('a network failure is an ApiError of kind network', async () => {
    globalThis.fetch = vi.fn(() => Promise.reject(new TypeError('Failed to fetch')))
    const err = await api.get('/api/users/me/').catch((e) => e)
    expect(err).toMatchObject({ kind: 'network', status: 0 })
    expect(errorMessage(err)).toContain('网络')
  })

  it('refreshes once on 401 and retries with the new token', async () => {
    handler = (call) => {
      if (call.url === '/api/users/token/refresh/') return [200, { access: 'new-access' }]
      return call.auth === 'Bearer new-access' ? [200, { id: 1 }] : [401, { errmsg: 'expired', code: 'token_invalid' }]
    }
    expect(await api.get('/api/users/me/')).toEqual({ id: 1 })
    expect(calls.map((c) => c.url)).toEqual(['/api/users/me/', '/api/users/token/refresh/', '/api/users/me/'])
    expect(JSON.parse(calls[1].data)).toEqual({ refresh: 'the-refresh' })
    expect(calls[1].auth).toBeUndefined()
    expect(tokens.access).toBe('new-access')
  })

  it('keeps the rotated refresh token the server answers with', async () => {
    handler = (call) => {
      if (call.url === '/api/users/token/refresh/') return [200, { access: 'new-access', refresh: 'next-refresh' }]
      return call.auth === 'Bearer new-access' ? [200, { id: 1 }] : [401, {}]
    }
    await api.get('/api/users/me/')
    expect(tokens).toEqual({ access: 'new-access', refresh: 'next-refresh' })
  })

  it('logout posts the refresh token without a bearer and never refreshes', async () => {
    const { logout } = await import('@/api/users')
    handler = () => [401, { errmsg: 'bad', code: 'token_invalid' }]
    await expect(logout('the-refresh')).rejects.toMatchObject({ response: { status: 401 } })
    expect(calls).toHaveLength(1)
    expect(calls[0].url).toBe('/api/users/logout/')
    expect(calls[0].auth).toBeUndefined()
    expect(JSON.parse(calls[0].data)).toEqual({ refresh: 'the-refresh' })
  })

  it('shares one refresh between concurrent 401s', async () => {
    handler = (call) => {
      if (call.url === '/api/users/token/refresh/') return [200, { access: 'new-access' }]
      return call.auth === 'Bearer new-access' ? [200, {}] : [401, {}]
    }
    await Promise.all([api.get('/api/users/me/'), api.get('/api/cart/'), api.get('/api/orders/')])
    expect(calls.filter((c) => c.url === '/api/users/token/refresh/')).toHaveLength(1)
  })

  it('emits auth-expired when the refresh fails, and does not loop', async () => {
    const expired = vi.fn()
    const off = onApiEvent('auth-expired', expired)
    handler = (call) => (call.url === '/api/users/token/refresh/' ? [401, { errmsg: 'bad refresh' }] : [401, {}])
    await expect(api.get('/api/cart/')).rejects.toMatchObject({ response: { status: 401 } })
    expect(expired).toHaveBeenCalledTimes(1)
    expect(calls.map((c) => c.url)).toEqual(['/api/cart/', '/api/users/token/refresh/'])
    off()
  })

  it('emits auth-expired when even the retried request is refused', async () => {
    const expired = vi.fn()
    const off = onApiEvent('auth-expired', expired)
    handler = (call) => (call.url === '/api/users/token/refresh/' ? [200, { access: 'new' }] : [401, {}])
    await expect(api.get('/api/cart/')).rejects.toBeTruthy()
    expect(calls).toHaveLength(3)
    expect(expired).toHaveBeenCalledTimes(1)
    off()
  })

  it('emits auth-expired without asking when there is no refresh token', async () => {
    const expired = vi.fn()
    const off = onApiEvent('auth-expired', expired)
    tokens.refresh = null
    handler = () => [401, {}]
    await expect(api.get('/api/cart/')).rejects.toMatchObject({ status: 401 })
    expect(calls).toHaveLength(1)
    expect(expired).toHaveBeenCalledTimes(1)
    off()
  })

  it('does not refresh on a 401 from login itself', async () => {
    const { login } = await import('@/api/users')
    handler = () => [401, { errmsg: '用户名或密码错误', code: 'invalid_credentials' }]
    const err = await login('u', 'p').catch((e) => e)
    expect(calls).toHaveLength(1)
    expect(calls[0].auth).toBeUndefined()
    expect(errorMessage(err)).toBe('用户名或密码错误')
    expect(errorCode(err)).toBe('invalid_credentials')
  })

  describe('a GET index.html sent early (utils/early.js)', () => {
    const early = (token, status, data) => ({
      url: '/api/orders/checkout/',
      token,
      at: Date.now(),
      response: Promise.resolve(new Response(JSON.stringify(data), { status, headers: { 'Content-Type': 'application/json' } })),
    })

    it('takes its answer instead of sending again when it carried the same token', async () => {
      handler = () => [200, { from: 'fetch' }]
      expect(await api.get('/api/orders/checkout/', { early: early('old-access', 200, { from: 'early' }) })).toEqual({ from: 'early' })
      expect(calls).toHaveLength(0)
    })

    it('is ignored for another token or another URL', async () => {
      handler = () => [200, { from: 'fetch' }]
      expect(await api.get('/api/orders/checkout/', { early: early('someone-else', 200, { from: 'early' }) })).toEqual({ from: 'fetch' })
      expect(await api.get('/api/users/me/', { early: early('old-access', 200, { from: 'early' }) })).toEqual({ from: 'fetch' })
      expect(calls.map((c) => c.url)).toEqual(['/api/orders/checkout/', '/api/users/me/'])
    })

    it('a 401 early answer refreshes and sends the request again with the new token', async () => {
      handler = (c) => (c.url === '/api/users/token/refresh/' ? [200, { access: 'new-access' }] : [200, { from: 'fetch' }])
      expect(await api.get('/api/orders/checkout/', { early: early('old-access', 401, { code: 'token_not_valid' }) })).toEqual({ from: 'fetch' })
      expect(calls.map((c) => [c.url, c.auth])).toEqual([
        ['/api/users/token/refresh/', undefined],
        ['/api/orders/checkout/', 'Bearer new-access'],
      ])
    })
  })

  it('relays the Alipay return query string unchanged', async () => {
    handler = () => [200, { pay_time: 'x', real_price: '1.00', course_list: [] }]
    const qs = '?charset=utf-8&out_trade_no=2026&sign=a%2Bb%3D%3D&timestamp=2026-11-25+12%3A50%3A02'
    await relayAlipayResult(qs)
    expect(calls[0].url).toBe(`/api/payments/alipay/result/${qs}`)
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
