import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'

vi.mock('@/api/payments', () => ({
  queryAlipay: vi.fn(),
  queryWechat: vi.fn(),
  fetchAlipayLink: vi.fn(),
  fetchWechatCode: vi.fn(),
  relayAlipayResult: vi.fn(),
}))
import * as paymentsApi from '@/api/payments'
import PayOverlay from '@/components/PayOverlay.vue'

let pinia
beforeEach(() => {
  vi.useFakeTimers()
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => vi.useRealTimers())

const CODE_URL = 'weixin://wxpay/bizpayurl?pr=abc123XY'

describe('PayOverlay for WeChat Pay (pay_type 1)', () => {
  it('draws the code_url as a QR code, links the sandbox scan page, counts down and polls the WeChat query', async () => {
    paymentsApi.queryWechat.mockResolvedValue({ order_status: 0 })
    const w = mount(PayOverlay, {
      props: { orderNumber: 'W1', until: Date.now() + 125_000, codeUrl: CODE_URL, payType: 1 },
      global: { plugins: [pinia, ElementPlus] },
    })
    await vi.waitFor(() => expect(w.find('[data-testid=pay-qr]').exists()).toBe(true))
    const qr = w.get('[data-testid=pay-qr]')
    expect(qr.attributes('src')).toMatch(/^data:image\/png;base64,/)
    expect(qr.attributes('data-code-url')).toBe(CODE_URL)
    expect(w.text()).toContain('请使用微信扫一扫完成付款')
    expect(w.find('[data-testid=pay-link]').exists()).toBe(false)
    expect(w.get('[data-testid=pay-sandbox-scan]').attributes('href')).toBe(
      `/sandbox/wechatpay/scan?code_url=${encodeURIComponent(CODE_URL)}`,
    )
    expect(w.get('[data-testid=pay-countdown]').text()).toBe('02:05')
    await vi.advanceTimersByTimeAsync(2000)
    expect(paymentsApi.queryWechat).toHaveBeenCalledWith('W1')
    expect(paymentsApi.queryAlipay).not.toHaveBeenCalled()
    paymentsApi.queryWechat.mockResolvedValue({ order_status: 1 })
    await vi.advanceTimersByTimeAsync(3000)
    await flushPromises()
    expect(w.emitted('paid')).toEqual([['W1']])
    w.unmount()
  })
})
