import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import { createMemoryHistory } from 'vue-router'
import ElementPlus, { ElMessageBox } from 'element-plus'

vi.mock('@/api/orders', () => ({ fetchOrders: vi.fn(), cancelOrder: vi.fn(), fetchOrder: vi.fn(), fetchOrderTimeline: vi.fn() }))
vi.mock('@/api/payments', () => ({ fetchAlipayLink: vi.fn(), queryAlipay: vi.fn() }))
import * as ordersApi from '@/api/orders'
import * as paymentsApi from '@/api/payments'
import { createAppRouter } from '@/router'
import UserOrders from '@/views/user/UserOrders.vue'

const order = (no, status, extra = {}) => ({
  order_number: no,
  order_status: status,
  get_order_status_display: { 0: '未支付', 1: '已支付', 3: '超时取消' }[status],
  total_price: '300.00',
  real_price: '250.00',
  created_time: '2026-11-25T10:00:00+08:00',
  courses: [{ id: 1, name: 'Django 入门', price: '100.00', real_price: '100.00' }],
  ...extra,
})

let pinia, router
async function mountAt(path) {
  router = createAppRouter({ isLoggedIn: () => true, history: createMemoryHistory() })
  router.push(path)
  await router.isReady()
  const w = mount(UserOrders, { global: { plugins: [pinia, router, ElementPlus] }, attachTo: document.body })
  await flushPromises()
  return w
}

beforeEach(() => {
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
  ordersApi.fetchOrders.mockResolvedValue({ count: 2, results: [order('N1', 0, { order_timeout: 600 }), order('N2', 1)] })
  paymentsApi.queryAlipay.mockResolvedValue({ order_status: 0 })
})
afterEach(() => {
  document.body.innerHTML = ''
})

describe('my orders', () => {
  it('lists orders with their courses, status and an unpaid countdown', async () => {
    const w = await mountAt('/user/orders')
    expect(ordersApi.fetchOrders).toHaveBeenCalledWith({ page: 1 })
    const rows = w.findAll('[data-testid=order-row]')
    expect(rows).toHaveLength(2)
    expect(rows[0].attributes('data-status')).toBe('0')
    expect(rows[0].get('[data-testid=order-row-status]').text()).toBe('未支付')
    expect(rows[0].get('[data-testid=order-row-course]').text()).toContain('Django 入门')
    expect(rows[0].get('[data-testid=order-row-countdown]').text()).toMatch(/^(10:00|09:59)$/)
    expect(rows[1].find('[data-testid=order-row-pay]').exists()).toBe(false)
    w.unmount()
  })

  it('status tabs filter with ?status=', async () => {
    const w = await mountAt('/user/orders')
    const tabs = w.findAll('[data-testid=order-status-tab]')
    expect(tabs.map((t) => t.text())).toEqual(['全部', '未支付', '已支付', '已取消', '已超时', '已退款', '部分退款'])
    await tabs[4].trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(ordersApi.fetchOrders).toHaveBeenLastCalledWith({ page: 1, status: '3' }))
    expect(router.currentRoute.value.query.status).toBe('3')
    await tabs[6].trigger('click')
    await flushPromises()
    await vi.waitFor(() => expect(ordersApi.fetchOrders).toHaveBeenLastCalledWith({ page: 1, status: 'partial' }))
    expect(router.currentRoute.value.query.status).toBe('partial')
    w.unmount()
  })

  it('a partly refunded order shows 部分退款, each refunded course with its amount and credits, and the totals', async () => {
    ordersApi.fetchOrders.mockResolvedValue({
      count: 2,
      results: [
        {
          order_number: 'P1', order_status: 1, get_order_status_display: '已支付', refund_state: 'partial',
          state_display: '部分退款', total_price: '600.00', real_price: '550.00', credit: 500,
          refunded_price: '183.33', refunded_credit: 166, created_time: '2026-12-04T01:00:00Z',
          courses: [
            { id: 1, name: 'A', real_price: '100.00', refund: null },
            { id: 2, name: 'B', real_price: '200.00', refund: { status: 'refunded', status_display: '已退款', amount: '183.33', credit: 166, time: '2026-12-04T09:30:00+08:00' } },
          ],
        },
        { order_number: 'C1', order_status: 2, get_order_status_display: '已取消', total_price: '80.00', real_price: '80.00', courses: [{ id: 3, name: 'C', real_price: '80.00' }] },
      ],
    })
    const w = await mountAt('/user/orders')
    const [paid, closed] = w.findAll('[data-testid=order-row]')
    expect(paid.get('[data-testid=order-row-status]').text()).toBe('部分退款')
    expect(paid.text()).toContain('2026-12-04 09:00:00') // the UTC creation time, shown in Beijing time
    const lines = paid.findAll('[data-testid=order-row-course]')
    expect(lines[0].find('[data-testid=order-row-course-refund]').exists()).toBe(false)
    expect(lines[1].attributes('data-refund')).toBe('refunded')
    expect(lines[1].get('[data-testid=order-row-course-refund-badge]').text()).toBe('已退款')
    expect(lines[1].get('[data-testid=order-row-course-refund-amount]').text()).toBe('¥183.33')
    expect(lines[1].get('[data-testid=order-row-course-refund-credit]').text()).toBe('166')
    expect(paid.get('[data-testid=order-row-refunded]').text()).toBe('已退款 ¥183.33，退还积分 166')
    expect(paid.get('[data-testid=order-row-amount-label]').text()).toBe('实付')
    // A cancelled order was never paid: its amount is what was due.
    expect(closed.get('[data-testid=order-row-amount-label]').text()).toBe('应付')
    w.unmount()
  })

  it('cancels an unpaid order after confirming', async () => {
    vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm')
    ordersApi.cancelOrder.mockResolvedValue({})
    const w = await mountAt('/user/orders')
    await w.get('[data-testid=order-row-cancel]').trigger('click')
    await flushPromises()
    expect(ordersApi.cancelOrder).toHaveBeenCalledWith('N1')
    expect(ordersApi.fetchOrders).toHaveBeenCalledTimes(2) // reloaded
    w.unmount()
  })

  it('shows the server errmsg when cancel is refused', async () => {
    vi.spyOn(ElMessageBox, 'confirm').mockResolvedValue('confirm')
    ordersApi.cancelOrder.mockRejectedValue({ response: { status: 400, data: { errmsg: '订单已支付，不能取消', code: 'order_not_cancellable' } } })
    const w = await mountAt('/user/orders')
    await w.get('[data-testid=order-row-cancel]').trigger('click')
    await flushPromises()
    expect(document.body.textContent).toContain('订单已支付，不能取消')
    w.unmount()
  })

  it('pays an unpaid order again: link in a new tab and the overlay', async () => {
    const open = vi.spyOn(window, 'open').mockReturnValue({})
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: 'http://gw/again' })
    const w = await mountAt('/user/orders')
    await w.get('[data-testid=order-row-pay]').trigger('click')
    await flushPromises()
    expect(paymentsApi.fetchAlipayLink).toHaveBeenCalledWith('N1', 'desktop')
    expect(open).toHaveBeenCalledWith('http://gw/again', '_blank')
    expect(document.querySelector('[data-testid=pay-overlay]')).not.toBeNull()
    expect(document.querySelector('[data-testid=pay-order-number]').textContent).toBe('N1')
    expect(document.querySelector('[data-testid=pay-countdown]')).not.toBeNull()
    w.unmount()
  })

  it('an order paid meanwhile goes to the success page instead of showing an error', async () => {
    const open = vi.spyOn(window, 'open').mockReturnValue({})
    paymentsApi.fetchAlipayLink.mockRejectedValue({ response: { status: 400, data: { errmsg: '订单已支付，请勿重复支付', code: 'order_already_paid' } } })
    const w = await mountAt('/user/orders')
    await w.get('[data-testid=order-row-pay]').trigger('click')
    await flushPromises()
    expect(open).not.toHaveBeenCalled()
    await vi.waitFor(() => expect(router.currentRoute.value.fullPath).toBe('/order/success/N1'), { timeout: 3000 })
    w.unmount()
  })

  it('"稍后支付" closes the overlay and reloads the list', async () => {
    vi.spyOn(window, 'open').mockReturnValue({})
    paymentsApi.fetchAlipayLink.mockResolvedValue({ link: 'http://gw/again' })
    const w = await mountAt('/user/orders')
    await w.get('[data-testid=order-row-pay]').trigger('click')
    await flushPromises()
    expect(ordersApi.fetchOrders).toHaveBeenCalledTimes(1)
    document.querySelector('[data-testid=pay-close]').click()
    await flushPromises()
    expect(document.querySelector('[data-testid=pay-overlay]')).toBeNull()
    expect(ordersApi.fetchOrders).toHaveBeenCalledTimes(2)
    w.unmount()
  })

  it('a refused pay link shows the server errmsg and keeps the list', async () => {
    const open = vi.spyOn(window, 'open').mockReturnValue({})
    paymentsApi.fetchAlipayLink.mockRejectedValue({ response: { status: 400, data: { errmsg: '订单已超时', code: 'order_expired' } } })
    const w = await mountAt('/user/orders')
    await w.get('[data-testid=order-row-pay]').trigger('click')
    await flushPromises()
    expect(open).not.toHaveBeenCalled()
    expect(document.querySelector('[data-testid=pay-overlay]')).toBeNull()
    expect(document.body.textContent).toContain('订单已超时')
    expect(router.currentRoute.value.path).toBe('/user/orders')
    w.unmount()
  })

  it('each row has a "支付记录" toggle that opens and closes that order\'s timeline', async () => {
    ordersApi.fetchOrderTimeline.mockResolvedValue({
      order_number: 'N2', order_status: 1, get_order_status_display: '已支付',
      events: [
        { code: 'created', label: '订单创建', time: '2026-11-25T10:00:00+08:00', amount: '250.00', detail: '共 1 门课程' },
        { code: 'link_issued', label: '发起支付宝支付', time: '2026-11-25T10:00:02+08:00', amount: null, detail: '' },
        { code: 'paid', label: '支付成功', time: '2026-11-25T10:01:00+08:00', amount: '250.00', detail: '支付宝支付成功' },
      ],
    })
    const w = await mountAt('/user/orders')
    const rows = w.findAll('[data-testid=order-row]')
    expect(rows.map((r) => r.find('[data-testid=order-row-timeline]').exists())).toEqual([true, true])
    expect(w.find('[data-testid=order-timeline]').exists()).toBe(false)
    expect(ordersApi.fetchOrderTimeline).not.toHaveBeenCalled()

    const toggle = rows[1].get('[data-testid=order-row-timeline]')
    expect(toggle.text()).toContain('支付记录')
    expect(toggle.attributes('aria-expanded')).toBe('false')
    await toggle.trigger('click')
    await flushPromises()
    expect(ordersApi.fetchOrderTimeline).toHaveBeenCalledWith('N2')
    expect(toggle.attributes('aria-expanded')).toBe('true')
    const row = w.findAll('[data-testid=order-row]')[1]
    expect(row.get('[data-testid=order-timeline]').findAll('[data-testid=order-timeline-event]').map((e) => e.attributes('data-code')))
      .toEqual(['created', 'link_issued', 'paid'])
    expect(w.findAll('[data-testid=order-row]')[0].find('[data-testid=order-timeline]').exists()).toBe(false)

    await toggle.trigger('click')
    await flushPromises()
    expect(w.find('[data-testid=order-timeline]').exists()).toBe(false)
    expect(toggle.attributes('aria-expanded')).toBe('false')
    w.unmount()
  })

  it('a refused timeline shows the server errmsg in the row', async () => {
    ordersApi.fetchOrderTimeline.mockRejectedValue({ response: { status: 404, data: { errmsg: '订单不存在', code: 'order_not_found' } } })
    const w = await mountAt('/user/orders')
    await w.findAll('[data-testid=order-row-timeline]')[0].trigger('click')
    await flushPromises()
    const row = w.findAll('[data-testid=order-row]')[0]
    expect(row.get('[data-testid=order-timeline-error]').text()).toContain('订单不存在')
    w.unmount()
  })
})
