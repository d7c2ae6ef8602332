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

  it('a payment after the order closed: says so plainly and shows the refund, not a red failure', async () => {
    window.history.replaceState(null, '', '/alipay?out_trade_no=2026112500002&sign=ok')
    paymentsApi.relayAlipayResult.mockRejectedValue({
      response: {
        status: 400,
        data: {
          errmsg: '订单已取消，到账款项将原路退回', code: 'order_closed', order_status: 2, order_number: '2026112500002',
          refund: { status: 'refunding', status_display: '退款处理中，款项将原路退回', amount: '120.00', time: '2026-11-25T10:00:00+08:00' },
        },
      },
    })
    const w = mountPage()
    await flushPromises()
    expect(w.find('[data-testid=success-error]').exists()).toBe(false)
    const box = w.get('[data-testid=pay-closed]')
    expect(box.text()).toContain('订单已关闭，您支付的款项将原路退回')
    expect(box.text()).toContain('该订单已取消')
    expect(box.text()).not.toContain('未能确认支付结果')
    expect(w.get('[data-testid=closed-refund-status]').attributes('data-status')).toBe('refunding')
    expect(w.get('[data-testid=closed-refund-status]').text()).toBe('退款处理中，款项将原路退回')
    expect(w.get('[data-testid=closed-refund-amount]').text()).toBe('¥120.00')
    expect(w.get('[data-testid=closed-order-number]').text()).toBe('2026112500002')
    // Refreshing asks again and shows the refund done.
    paymentsApi.relayAlipayResult.mockRejectedValue({
      response: { status: 400, data: { code: 'order_closed', order_status: 2, refund: { status: 'refunded', status_display: '已原路退回', amount: '120.00', time: '2026-11-25T02:05:00Z' } } },
    })
    await w.get('[data-testid=closed-refresh]').trigger('click')
    await flushPromises()
    expect(w.get('[data-testid=closed-refund-status]').text()).toBe('已原路退回')
    expect(w.text()).toContain('2026-11-25 10:05:00')
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
