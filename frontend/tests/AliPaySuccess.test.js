import { beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'

vi.mock('@/api/payments', () => ({ relayAlipayResult: vi.fn(), queryAlipay: vi.fn(), fetchAlipayLink: vi.fn() }))
vi.mock('@/api/orders', () => ({ fetchOrder: vi.fn() }))
vi.mock('@/api/users', () => ({ fetchMyCourses: vi.fn(() => Promise.resolve([])) }))
import * as paymentsApi from '@/api/payments'
import * as ordersApi from '@/api/orders'
import AliPaySuccess from '@/views/AliPaySuccess.vue'

let pinia
beforeEach(() => {
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
})
const RouterLink = { template: '<a><slot /></a>' }
const mountPage = (props = {}) =>
  mount(AliPaySuccess, { props, global: { plugins: [pinia, ElementPlus], stubs: { RouterLink } } })

describe('AliPaySuccess', () => {
  it('relays location.search unchanged and lists the courses bought', async () => {
    const search = '?charset=utf-8&out_trade_no=2026112500001&sign=ab%2Bc%3D%3D&total_amount=250.00'
    window.history.replaceState(null, '', `/alipay${search}`)
    paymentsApi.relayAlipayResult.mockResolvedValue({
      pay_time: '2026-11-25 10:00:00',
      real_price: '250.00',
      course_list: [{ id: 1, name: 'Django 入门' }, { id: 2, name: 'Vue 实战' }],
    })
    const w = mountPage()
    await flushPromises()
    expect(paymentsApi.relayAlipayResult).toHaveBeenCalledWith(search)
    expect(w.findAll('[data-testid=success-course]').map((x) => x.text())).toEqual(['《Django 入门》', '《Vue 实战》'])
    expect(w.get('[data-testid=success-real-price]').text()).toBe('¥250.00')
    expect(w.get('[data-testid=success-pay-time]').text()).toBe('2026-11-25 10:00:00')
    expect(w.get('[data-testid=success-order-number]').text()).toBe('2026112500001')
  })

  it('shows the server errmsg when the relay is refused', async () => {
    window.history.replaceState(null, '', '/alipay?out_trade_no=1&sign=bad')
    paymentsApi.relayAlipayResult.mockRejectedValue({ response: { status: 400, data: { errmsg: '签名验证失败', code: 'bad_sign' } } })
    const w = mountPage()
    await flushPromises()
    expect(w.get('[data-testid=success-error]').text()).toContain('签名验证失败')
  })

  it('shows a paid order found by polling (no Alipay params)', async () => {
    ordersApi.fetchOrder.mockResolvedValue({
      order_number: 'N9',
      order_status: 1,
      pay_time: '2026-11-25T10:00:00+08:00',
      real_price: '0.00',
      courses: [{ id: 5, name: 'Go', price: '10.00', real_price: '0.00' }],
    })
    const w = mountPage({ orderNumber: 'N9' })
    await flushPromises()
    expect(ordersApi.fetchOrder).toHaveBeenCalledWith('N9')
    expect(w.findAll('[data-testid=success-course]')).toHaveLength(1)
    expect(w.get('[data-testid=success-real-price]').text()).toBe('¥0.00')
    expect(w.get('[data-testid=success-pay-time]').text()).toBe('2026-11-25 10:00:00')
  })
})
