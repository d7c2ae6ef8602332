import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'

vi.mock('@/api/cart', () => ({ fetchCartOrder: vi.fn(), fetchCart: vi.fn() }))
vi.mock('@/api/coupon', () => ({ fetchEnableCoupons: vi.fn() }))
vi.mock('@/api/orders', () => ({ quoteOrder: vi.fn(), createOrder: vi.fn(), fetchOrder: vi.fn() }))
vi.mock('@/api/payments', () => ({ fetchAlipayLink: vi.fn(), queryAlipay: vi.fn(), payWithWallet: vi.fn() }))
import * as cartApi from '@/api/cart'
import * as couponApi from '@/api/coupon'
import * as ordersApi from '@/api/orders'
import * as paymentsApi from '@/api/payments'
import { createAppRouter } from '@/router'
import Order from '@/views/Order.vue'

const ALIPAY = { pay_type: 0, name: '支付宝', balance: null, available: true }
let pinia, router, balance, enough
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
  cartApi.fetchCartOrder.mockResolvedValue({ cart: [{ id: 1, name: 'Django 入门', price: '100.00', discount: {}, credit: 0 }] })
  cartApi.fetchCart.mockResolvedValue({ cart: [] })
  couponApi.fetchEnableCoupons.mockResolvedValue({ coupon_list: [], credit_to_money: 10, has_credit: 0 })
  balance = '150.00'
  enough = true
  ordersApi.quoteOrder.mockImplementation(async (body) => ({
    total_price: '100.00', discount_price: '0.00', real_price: '100.00', max_use_credit: 0, credit: 0,
    pay_type: body.pay_type,
    pay_types: [ALIPAY, { pay_type: 2, name: '余额', balance, available: enough }],
  }))
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('Order page: the pay methods the server offers', () => {
  it('lists them from the quote, the wallet with its balance', async () => {
    const w = await mountOrder()
    expect(w.find('[data-testid=pay-method-0]').text()).toContain('支付宝')
    const wallet = w.get('[data-testid=pay-method-2]')
    expect(wallet.text()).toContain('余额')
    expect(wallet.text()).toContain('¥150.00')
    expect(wallet.classes()).not.toContain('is-disabled')
    w.unmount()
  })

  it('a balance short of the amount is disabled with 余额不足', async () => {
    balance = '99.99'
    enough = false
    const w = await mountOrder()
    const wallet = w.get('[data-testid=pay-method-2]')
    expect(wallet.classes()).toContain('is-disabled')
    expect(wallet.text()).toContain('余额不足')
    w.unmount()
  })

  it('choosing the wallet re-quotes with pay_type 2 and pays the order from the balance', async () => {
    vi.useFakeTimers()
    ordersApi.createOrder.mockResolvedValue({ order_number: 'N200', order_timeout: 900, real_price: '100.00' })
    paymentsApi.payWithWallet.mockResolvedValue({ order_number: 'N200', order_status: 1, money: '50.00' })
    const w = await mountOrder()
    await w.get('[data-testid=pay-method-2] input').setValue(true)
    await vi.advanceTimersByTimeAsync(400)
    await flushPromises()
    expect(ordersApi.quoteOrder).toHaveBeenLastCalledWith({ pay_type: 2, user_coupon_id: -1, credit: 0 })
    vi.useRealTimers()
    await w.get('[data-testid=pay-button]').trigger('click')
    await flushPromises()
    expect(ordersApi.createOrder).toHaveBeenCalledWith({ pay_type: 2, user_coupon_id: -1, credit: 0 })
    expect(paymentsApi.payWithWallet).toHaveBeenCalledWith('N200')
    expect(paymentsApi.fetchAlipayLink).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(router.currentRoute.value.name).toBe('order-success'))
    expect(router.currentRoute.value.params.orderNumber).toBe('N200')
    w.unmount()
  })
})
