import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus from 'element-plus'

vi.mock('@/api/users', () => ({ fetchWallet: vi.fn(), fetchMe: vi.fn() }))
vi.mock('@/api/orders', () => ({ createTopup: vi.fn(), fetchOrder: vi.fn() }))
vi.mock('@/api/payments', () => ({
  fetchAlipayLink: vi.fn(),
  fetchWechatCode: vi.fn(),
  queryAlipay: vi.fn(),
  queryWechat: vi.fn(),
  payWithWallet: vi.fn(),
}))
import * as usersApi from '@/api/users'
import * as ordersApi from '@/api/orders'
import * as paymentsApi from '@/api/payments'
import { createAppRouter } from '@/router'
import UserWallet from '@/views/user/UserWallet.vue'

const ALIPAY = { pay_type: 0, name: '支付宝' }
const WECHAT = { pay_type: 1, name: '微信支付' }
const CODE_URL = 'weixin://wxpay/bizpayurl?pr=topup42'
let pinia, offered

async function mountWallet() {
  const router = createAppRouter({ isLoggedIn: () => true, history: createMemoryHistory() })
  router.push('/user/wallet')
  await router.isReady()
  const w = mount(UserWallet, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return w
}

beforeEach(() => {
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
  offered = [ALIPAY, WECHAT]
  usersApi.fetchWallet.mockImplementation(async () => ({ money: '0.00', entries: [], topup_pay_types: offered }))
  ordersApi.createTopup.mockResolvedValue({ order_number: 'T1', order_timeout: 900, real_price: '100.00' })
  paymentsApi.queryWechat.mockResolvedValue({ order_status: 0 })
  paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
})
afterEach(() => {
  document.body.innerHTML = ''
  vi.restoreAllMocks()
})

describe('wallet top-up form', () => {
  it('offers only the ways the server takes for a top-up, Alipay first and chosen', async () => {
    const w = await mountWallet()
    expect(w.findAll('[data-testid^=topup-method-]').map((r) => r.text())).toEqual(['支付宝', '微信支付'])
    expect(w.find('[data-testid=topup-method-2]').exists()).toBe(false) // the wallet cannot fund itself
    expect(w.get('[data-testid=topup-method-0]').classes()).toContain('is-checked')
    expect(w.get('[data-testid=topup-button]').text()).toBe('支付宝充值')
    w.unmount()
  })

  it('a WeChat top-up is ordered with pay_type 1 and shows the QR code overlay, no cashier tab', async () => {
    const open = vi.spyOn(window, 'open').mockReturnValue(null)
    paymentsApi.fetchWechatCode.mockResolvedValue({ pay_type: 1, code_url: CODE_URL, order_status: 0 })
    const w = await mountWallet()
    await w.get('[data-testid=topup-method-1] input').setValue(true)
    expect(w.get('[data-testid=topup-button]').text()).toBe('微信支付充值')
    await w.get('[data-testid=topup-form]').trigger('submit')
    await flushPromises()
    expect(ordersApi.createTopup).toHaveBeenCalledWith('100.00', 1)
    expect(paymentsApi.fetchWechatCode).toHaveBeenCalledWith('T1')
    expect(paymentsApi.fetchAlipayLink).not.toHaveBeenCalled()
    expect(open).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(w.find('[data-testid=pay-qr]').exists()).toBe(true))
    expect(w.get('[data-testid=pay-qr]').attributes('data-code-url')).toBe(CODE_URL)
    expect(w.get('[data-testid=pay-order-number]').text()).toBe('T1')
    expect(w.find('[data-testid=pay-countdown]').exists()).toBe(true)
    // Paid (the overlay's poll): the overlay goes, the page stays and reloads the balance.
    const path = w.vm.$router.currentRoute.value.path
    usersApi.fetchWallet.mockResolvedValue({
      money: '100.00', entries: [{ id: 1, operation: 1, operation_display: '充值', amount: '100.00', reason: '钱包充值', order_number: 'T1', created_time: '2026-12-04T10:00:00+08:00' }], topup_pay_types: offered,
    })
    paymentsApi.queryWechat.mockResolvedValue({ order_status: 1 })
    await w.findComponent({ name: 'PayOverlay' }).vm.checkNow()
    await flushPromises()
    expect(w.find('[data-testid=pay-overlay]').exists()).toBe(false)
    expect(w.vm.$router.currentRoute.value.path).toBe(path)
    expect(w.get('[data-testid=wallet-balance]').text()).toBe('¥100.00')
    w.unmount()
  })

  it('an Alipay top-up opens the cashier as before', async () => {
    const open = vi.spyOn(window, 'open').mockReturnValue({})
    paymentsApi.fetchAlipayLink.mockResolvedValue({ pay_type: 0, link: 'http://127.0.0.1/sandbox/alipay/cashier/x' })
    const w = await mountWallet()
    await w.get('[data-testid=topup-form]').trigger('submit')
    await flushPromises()
    expect(ordersApi.createTopup).toHaveBeenCalledWith('100.00', 0)
    expect(open).toHaveBeenCalledWith('http://127.0.0.1/sandbox/alipay/cashier/x', '_blank')
    expect(w.find('[data-testid=pay-qr]').exists()).toBe(false)
    w.unmount()
  })

  it('with no way offered the form cannot top up', async () => {
    offered = []
    const w = await mountWallet()
    expect(w.find('[data-testid=topup-methods]').exists()).toBe(false)
    expect(w.get('[data-testid=topup-button]').attributes('disabled')).toBeDefined()
    await w.get('[data-testid=topup-form]').trigger('submit')
    await flushPromises()
    expect(ordersApi.createTopup).not.toHaveBeenCalled()
    w.unmount()
  })
})
