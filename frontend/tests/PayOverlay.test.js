import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'

vi.mock('@/api/payments', () => ({ queryAlipay: vi.fn(), fetchAlipayLink: vi.fn(), relayAlipayResult: vi.fn() }))
import * as paymentsApi from '@/api/payments'
import PayOverlay from '@/components/PayOverlay.vue'

let pinia
beforeEach(() => {
  vi.useFakeTimers()
  vi.setSystemTime(new Date('2026-11-25T10:00:00Z'))
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => vi.useRealTimers())

const mountOverlay = (props = {}) =>
  mount(PayOverlay, {
    props: { orderNumber: 'N1', until: Date.now() + 60_000, link: 'http://gw/cashier', ...props },
    global: { plugins: [pinia, ElementPlus] },
  })

describe('PayOverlay', () => {
  it('counts down from the order timeout', async () => {
    const w = mountOverlay({ until: Date.now() + 125_000 })
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
    expect(w.get('[data-testid=pay-countdown]').text()).toBe('02:05')
    await vi.advanceTimersByTimeAsync(5000)
    expect(w.get('[data-testid=pay-countdown]').text()).toBe('02:00')
    w.unmount()
  })

  it('polls with back-off 2s, 3s, 4.5s … and emits paid on order_status 1', async () => {
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
    const w = mountOverlay({ until: Date.now() + 600_000 })
    await vi.advanceTimersByTimeAsync(1999)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(0)
    await vi.advanceTimersByTimeAsync(1)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(1)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledWith('N1')
    await vi.advanceTimersByTimeAsync(3000)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(2)
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 1 })
    await vi.advanceTimersByTimeAsync(4500)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(3)
    expect(w.emitted('paid')).toEqual([['N1']])
    await vi.advanceTimersByTimeAsync(60_000)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(3) // stopped
    w.unmount()
  })

  it('never waits more than 10s between polls', async () => {
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
    const w = mountOverlay({ until: Date.now() + 600_000 })
    await vi.advanceTimersByTimeAsync(2000 + 3000 + 4500 + 6750) // 4 polls
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(4)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(5)
    await vi.advanceTimersByTimeAsync(10_000)
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(6)
    w.unmount()
  })

  it('"我已完成支付" checks at once', async () => {
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 1 })
    const w = mountOverlay()
    await w.get('[data-testid=pay-done]').trigger('click')
    await flushPromises()
    expect(paymentsApi.queryAlipay).toHaveBeenCalledTimes(1)
    expect(w.emitted('paid')).toBeTruthy()
    w.unmount()
  })

  it('shows timed out / cancelled when the server says 3 / 2', async () => {
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 3 })
    const w = mountOverlay()
    await vi.advanceTimersByTimeAsync(2000)
    expect(w.get('[data-testid=pay-overlay]').attributes('data-state')).toBe('timeout')
    expect(w.get('[data-testid=pay-status]').text()).toContain('订单已超时')
    expect(w.emitted('ended')[0][0]).toEqual({ orderNumber: 'N1', status: 3 })
    w.unmount()

    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 2 })
    const w2 = mountOverlay()
    await vi.advanceTimersByTimeAsync(2000)
    expect(w2.get('[data-testid=pay-status]').text()).toContain('订单已取消')
    w2.unmount()
  })

  it('when the countdown ends it asks once more and shows the order timed out', async () => {
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
    const w = mountOverlay({ until: Date.now() + 3000, afterExpiryPolls: 2 })
    await vi.advanceTimersByTimeAsync(3100)
    expect(w.get('[data-testid=pay-overlay]').attributes('data-state')).toBe('expired')
    expect(w.text()).toContain('订单已超时')
    const n = paymentsApi.queryAlipay.mock.calls.length
    await vi.advanceTimersByTimeAsync(120_000)
    expect(paymentsApi.queryAlipay.mock.calls.length).toBeLessThanOrEqual(n + 2) // bounded
    w.unmount()
  })

  it('offers a clickable link when the popup was blocked', () => {
    const w = mountOverlay({ blocked: true })
    const a = w.get('[data-testid=pay-link]')
    expect(a.attributes('href')).toBe('http://gw/cashier')
    expect(a.attributes('target')).toBe('_blank')
    expect(w.text()).toContain('浏览器拦截了支付窗口')
    w.unmount()
  })

  it('stops polling when unmounted', async () => {
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
    const w = mountOverlay()
    w.unmount()
    await vi.advanceTimersByTimeAsync(60_000)
    expect(paymentsApi.queryAlipay).not.toHaveBeenCalled()
  })
})
