import { afterEach, describe, expect, it } from 'vitest'
import { takeEarly } from '@/utils/early'

const sent = (url, at = Date.now()) => ({ url, token: 'access', at, response: Promise.resolve(new Response('{}')) })

describe('takeEarly (the GETs index.html sent with the page)', () => {
  afterEach(() => {
    delete (/** @type {any} */ (window)).__luffyEarly
  })

  it('hands each URL its own request, once', () => {
    const me = sent('/api/users/me/')
    const cart = sent('/api/cart/')
    ;(/** @type {any} */ (window)).__luffyEarly = { '/api/users/me/': me, '/api/cart/': cart }
    expect(takeEarly('/api/cart/')).toBe(cart)
    expect(takeEarly('/api/users/me/')).toBe(me)
    expect(takeEarly('/api/cart/')).toBeNull()
    expect(takeEarly('/api/orders/checkout/')).toBeNull()
  })

  it('drops a stale one, and is null when the page sent none', () => {
    expect(takeEarly('/api/cart/')).toBeNull()
    ;(/** @type {any} */ (window)).__luffyEarly = { '/api/cart/': sent('/api/cart/', Date.now() - 60_000) }
    expect(takeEarly('/api/cart/')).toBeNull()
  })
})
