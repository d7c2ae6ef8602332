import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus, { ElMessageBox } from 'element-plus'

vi.mock('@/api/cart', () => ({ fetchCartOrder: vi.fn(), fetchCart: vi.fn() }))
vi.mock('@/api/orders', () => ({ fetchCheckout: vi.fn(), quoteOrder: vi.fn(), createOrder: vi.fn(), fetchOrder: vi.fn() }))
vi.mock('@/api/payments', () => ({ fetchAlipayLink: vi.fn(), queryAlipay: vi.fn() }))
import * as cartApi from '@/api/cart'
import * as ordersApi from '@/api/orders'
import * as paymentsApi from '@/api/payments'
import { createAppRouter } from '@/router'
import Order from '@/views/Order.vue'

let pinia, router, openSpy
const PAY_TYPES = [{ pay_type: 0, name: '支付宝', balance: null, available: true }]
async function mountOrder() {
  router = createAppRouter({ isLoggedIn: () => true, history: createMemoryHistory() })
  router.push('/order')
  await router.isReady()
  const w = mount(Order, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return w
}

beforeEach(() => {
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
  ordersApi.fetchCheckout.mockResolvedValue({
    cart: [
      { id: 1, name: 'Django 入门', price: '100.00', discount: {}, credit: 0 },
      { id: 2, name: 'Vue 实战', price: '200.00', discount: { type: '限时', price: '150.00', expire: 3600 }, credit: 50 },
    ],
    coupon_list: [{ user_coupon_id: 7, name: '满200减30', discount: 1, sale: '-30.00', condition: '200.00', deduction: '30.00' }],
    unusable: [],
    user_coupon_id: 7, // the server's best coupon, which its quote prices
    credit_to_money: 10,
    has_credit: 1000,
    quote: { total_price: '300.00', discount_price: '80.00', real_price: '220.00', max_use_credit: 50, credit: 0, pay_type: 0, pay_types: PAY_TYPES },
    quote_error: null,
  })
  cartApi.fetchCart.mockResolvedValue({ cart: [] })
  ordersApi.quoteOrder.mockImplementation(async (body) =>
    body.user_coupon_id === 7
      ? { total_price: '300.00', discount_price: '80.00', real_price: '220.00', max_use_credit: 50, credit: 0, pay_type: 0, pay_types: PAY_TYPES }
      : { total_price: '300.00', discount_price: '50.00', real_price: '250.00', max_use_credit: 50, credit: 0, pay_type: 0, pay_types: PAY_TYPES },
  )
  paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
  openSpy = vi.spyOn(window, 'open').mockReturnValue({ opener: {} })
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('Order (checkout) page', () => {
  it('lists the selected courses and shows the server quote verbatim', async () => {
    const w = await mountOrder()
    expect(w.findAll('[data-testid=order-course-row]')).toHaveLength(2)
    // The best coupon is preselected, and the first quote is the server's price with it.
    expect(w.get('[data-testid=coupon-option]').attributes('aria-pressed')).toBe('true')
    expect(w.get('[data-testid=quote-total]').text()).toBe('¥300.00')
    expect(w.get('[data-testid=quote-real]').text()).toBe('¥220.00')
    expect(w.get('[data-testid=pay-button]').text()).toBe('去支付')
    w.unmount()
  })

  it('choosing no coupon, then the coupon again, re-asks the quote and shows its answer', async () => {
    vi.useFakeTimers()
    const w = await mountOrder()
    await w.get('[data-testid=coupon-none]').trigger('click')
    await vi.advanceTimersByTimeAsync(400)
    await flushPromises()
    expect(ordersApi.quoteOrder).toHaveBeenLastCalledWith({ pay_type: 0, user_coupon_id: -1, credit: 0 })
    expect(w.get('[data-testid=quote-real]').text()).toBe('¥250.00')
    await w.get('[data-testid=coupon-option]').trigger('click')
    await vi.advanceTimersByTimeAsync(400)
    await flushPromises()
    expect(ordersApi.quoteOrder).toHaveBeenLastCalledWith({ pay_type: 0, user_coupon_id: 7, credit: 0 })
    expect(w.get('[data-testid=quote-real]').text()).toBe('¥220.00')
    expect(w.get('[data-testid=quote-discount]').text()).toBe('-¥80.00')
    w.unmount()
    vi.useRealTimers()
  })

  it('coupons that do not apply are shown greyed with the server\'s reason; validity is Beijing time', async () => {
    ordersApi.fetchCheckout.mockResolvedValue({
      ...(await ordersApi.fetchCheckout()),
      coupon_list: [{ user_coupon_id: 7, name: '满200减30', discount: 1, sale: '-30.00', condition: '200.00', deduction: '30.00', end_time: '2030-01-31T15:59:59Z' }],
      unusable: [{ user_coupon_id: 9, name: '满1000减300', discount: 1, sale: '-300.00', condition: '1000.00', end_time: '2030-02-01T00:00:00+08:00', usable: false, reason: '未满足优惠券使用条件（满 1000.00 元可用）', reason_code: 'coupon_condition_unmet' }],
      credit_to_money: 10,
      has_credit: 0,
    })
    const w = await mountOrder()
    expect(w.get('[data-testid=coupon-valid-until]').text()).toBe('有效期至 2030-01-31 23:59（北京时间）')
    const grey = w.get('[data-testid=coupon-unusable]')
    expect(grey.classes()).toContain('disabled')
    expect(grey.attributes('data-reason-code')).toBe('coupon_condition_unmet')
    expect(grey.get('[data-testid=coupon-unusable-reason]').text()).toBe('未满足优惠券使用条件（满 1000.00 元可用）')
    expect(grey.text()).toContain('2030-02-01 00:00（北京时间）')
    w.unmount()
  })

  it('a ¥0 quote says 免费领取, not 支付宝 / 去支付', async () => {
    const free = { total_price: '0.00', discount_price: '0.00', real_price: '0.00', max_use_credit: 0, credit: 0, pay_type: 0, pay_types: PAY_TYPES }
    ordersApi.fetchCheckout.mockResolvedValue({ ...(await ordersApi.fetchCheckout()), quote: free })
    ordersApi.quoteOrder.mockResolvedValue(free)
    const w = await mountOrder()
    expect(w.get('[data-testid=pay-button]').text()).toBe('免费领取')
    expect(w.find('[data-testid=pay-free]').exists()).toBe(true)
    expect(w.get('[data-testid=order-summary]').text()).not.toContain('支付宝')
    w.unmount()
  })

  it('"使用最多积分" uses max_use_credit from the quote', async () => {
    vi.useFakeTimers()
    const w = await mountOrder()
    await w.get('[data-testid=discount-type-credit]').trigger('click')
    await w.get('[data-testid=credit-max]').trigger('click')
    await vi.advanceTimersByTimeAsync(400)
    await flushPromises()
    expect(ordersApi.quoteOrder).toHaveBeenLastCalledWith({ pay_type: 0, user_coupon_id: -1, credit: 50 })
    w.unmount()
    vi.useRealTimers()
  })

  it('pay: creates the order, opens the gateway link in a new tab and shows the overlay with the countdown', async () => {
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N100', order_timeout: 900, real_price: '250.00', total_price: '300.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ pay_type: 0, link: 'http://127.0.0.1:8000/sandbox/alipay/gateway.do?x=1' })
    const w = await mountOrder()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    expect(ordersApi.createOrder).toHaveBeenCalledWith({ pay_type: 0, user_coupon_id: 7, credit: 0 }) // preselected
    expect(paymentsApi.fetchAlipayLink).toHaveBeenCalledWith('N100', 'desktop') // jsdom's 1024 px window
    expect(openSpy).toHaveBeenCalledWith('http://127.0.0.1:8000/sandbox/alipay/gateway.do?x=1', '_blank')
    const overlay = document.querySelector('[data-testid=pay-overlay]')
    expect(overlay).not.toBeNull()
    expect(document.querySelector('[data-testid=pay-countdown]').textContent).toMatch(/^1[45]:\d\d$/)
    w.unmount()
  })

  it('pay on a phone-wide window: asks the API for the phone cashier', async () => {
    vi.stubGlobal('innerWidth', 390)
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N102', order_timeout: 900, real_price: '250.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ pay_type: 0, link: 'http://gw/wap' })
    try {
      const w = await mountOrder()
      await w.get('[data-testid=pay-button]').trigger('click')
      await flushPromises()
      expect(paymentsApi.fetchAlipayLink).toHaveBeenCalledWith('N102', 'mobile')
      expect(openSpy).toHaveBeenCalledWith('http://gw/wap', '_blank')
      w.unmount()
    } finally {
      vi.unstubAllGlobals()
    }
  })

  it('popup blocked: shows a clickable link instead', async () => {
    openSpy.mockReturnValue(null)
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N101', order_timeout: 900, real_price: '250.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: 'http://gw/pay' })
    const w = await mountOrder()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    const a = document.querySelector('[data-testid=pay-link]')
    expect(a.getAttribute('href')).toBe('http://gw/pay')
    w.unmount()
  })

  it('a "0.00" order already paid goes straight to the success page', async () => {
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N0', order_timeout: 900, real_price: '0.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: null, order_status: 1 })
    const w = await mountOrder()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    expect(openSpy).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/order/success/N0'), { timeout: 3000 })
    w.unmount()
  })

  it('order_unpaid_exists: offers to resume paying that order', async () => {
    ordersApi.createOrder.mockRejectedValue({
      response: { status: 400, data: { errmsg: '所选课程已在未支付的订单中', code: 'order_unpaid_exists', order_number: 'OLD1' } },
    })
    ordersApi.fetchOrder.mockResolvedValue({ order_number: 'OLD1', order_status: 0, order_timeout: 300, real_price: '250.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: 'http://gw/old' })
    const confirm = vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm')
    const w = await mountOrder()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    expect(confirm).toHaveBeenCalled()
    expect(confirm.mock.calls[0][0]).toContain('所选课程已在未支付的订单中')
    expect(paymentsApi.fetchAlipayLink).toHaveBeenCalledWith('OLD1', 'desktop')
    expect(openSpy).toHaveBeenCalledWith('http://gw/old', '_blank')
    expect(document.querySelector('[data-testid=pay-order-number]').textContent).toBe('OLD1')
    w.unmount()
  })

  it('polling that sees the order paid navigates to success', async () => {
    vi.useFakeTimers()
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N200', order_timeout: 900, real_price: '250.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: 'http://gw/pay' })
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 1 })
    const w = await mountOrder()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    await vi.advanceTimersByTimeAsync(2100)
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/order/success/N200'), { timeout: 3000 })
    w.unmount()
    vi.useRealTimers()
  })

  it('a quote refused with order_unpaid_exists offers to resume that order', async () => {
    const refusal = { errmsg: '所选课程已在未支付的订单中，请继续支付该订单', code: 'order_unpaid_exists', order_number: 'OLD2' }
    const summary = await ordersApi.fetchCheckout()
    ordersApi.fetchCheckout.mockResolvedValue({ ...summary, quote: null, quote_error: refusal })
    ordersApi.quoteOrder.mockRejectedValue({ response: { status: 400, data: refusal } })
    ordersApi.fetchOrder.mockResolvedValue({ order_number: 'OLD2', order_status: 0, order_timeout: 120, real_price: '99.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: 'http://gw/old2' })
    const w = await mountOrder()
    expect(w.get('[data-testid=quote-error]').text()).toContain('未支付的订单')
    // The refusal is toasted once, not once per place that noticed it.
    const toasts = [...document.querySelectorAll('.el-message')].filter((m) => m.textContent.includes('未支付的订单'))
    expect(toasts).toHaveLength(1)
    expect(w.get('[data-testid=pay-button]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid=resume-unpaid]').trigger('click')
    await flushPromises()
    expect(openSpy).toHaveBeenCalledWith('http://gw/old2', '_blank')
    expect(document.querySelector('[data-testid=pay-countdown]').textContent).toMatch(/^0[12]:\d\d$/)
    w.unmount()
  })

  it('an order that times out while the overlay is open: toast, and "查看我的订单" leaves for my orders', async () => {
    vi.useFakeTimers()
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N300', order_timeout: 900, real_price: '250.00' })
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: 'http://gw/pay' })
    paymentsApi.queryAlipay.mockResolvedValue({ order_status: 3 })
    const w = await mountOrder()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    await vi.advanceTimersByTimeAsync(2100)
    await flushPromises()
    expect(document.querySelector('[data-testid=pay-overlay]').getAttribute('data-state')).toBe('timeout')
    expect([...document.querySelectorAll('.el-message')].map((m) => m.textContent).join('|')).toContain('订单已超时')
    document.querySelector('[data-testid=pay-goto-orders]').click()
    await flushPromises()
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/user/orders'), { timeout: 3000 })
    w.unmount()
    vi.useRealTimers()
  })

  it('a refused pay link: toast with the errmsg, then my orders', async () => {
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N301', order_timeout: 900, real_price: '250.00' })
    paymentsApi.fetchAlipayLink.mockRejectedValue({ response: { status: 503, data: { errmsg: '支付网关暂不可用', code: 'gateway_unavailable' } } })
    const w = await mountOrder()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    expect(openSpy).not.toHaveBeenCalled()
    expect(document.body.textContent).toContain('支付网关暂不可用')
    await vi.waitFor(() => expect(router.currentRoute.value.path).toBe('/user/orders'), { timeout: 3000 })
    w.unmount()
  })
})
