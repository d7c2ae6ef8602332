import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import { mount, flushPromises } from '@vue/test-utils'
import { createPinia, setActivePinia } from 'pinia'
import ElementPlus from 'element-plus'

vi.mock('@/api/orders', () => ({ fetchOrders: vi.fn(), fetchOrder: vi.fn(), cancelOrder: vi.fn(), fetchOrderTimeline: vi.fn() }))
vi.mock('@/api/payments', () => ({ fetchAlipayLink: vi.fn(), queryAlipay: vi.fn(), relayAlipayResult: vi.fn() }))
import * as ordersApi from '@/api/orders'
import OrderTimeline from '@/components/OrderTimeline.vue'

const events = [
  { code: 'created', label: '订单创建', time: '2026-11-25T18:20:25+08:00', amount: '550.00', detail: '共 3 门课程' },
  { code: 'link_issued', label: '发起支付宝支付', time: '2026-11-25T18:20:27+08:00', amount: null, detail: '' },
  { code: 'paid', label: '支付成功', time: '2026-11-25T18:21:02+08:00', amount: '550.00', detail: '支付宝支付成功' },
  { code: 'refunded', label: '退款成功', time: '2026-11-26T09:00:00+08:00', amount: '183.33', detail: '退款课程：Vue 3 + Vite；退还积分 166' },
]

let pinia
beforeEach(() => {
  vi.resetAllMocks()
  pinia = createPinia()
  setActivePinia(pinia)
})
afterEach(() => {
  document.body.innerHTML = ''
})

const mountTimeline = (props = {}) =>
  mount(OrderTimeline, { props: { orderNumber: 'N7', ...props }, global: { plugins: [pinia, ElementPlus] } })

describe('OrderTimeline', () => {
  it('renders an el-timeline with one item per event, oldest first, money as the server sent it', async () => {
    ordersApi.fetchOrderTimeline.mockResolvedValue({ order_number: 'N7', order_status: 4, get_order_status_display: '已退款', events })
    const w = mountTimeline()
    await flushPromises()
    expect(ordersApi.fetchOrderTimeline).toHaveBeenCalledWith('N7')
    const list = w.get('[data-testid=order-timeline]')
    expect(list.element.tagName).toBe('UL')
    expect(list.classes()).toContain('el-timeline')
    const items = w.findAll('[data-testid=order-timeline-event]')
    expect(items.map((i) => i.attributes('data-code'))).toEqual(['created', 'link_issued', 'paid', 'refunded'])
    expect(items[0].classes()).toContain('el-timeline-item')
    expect(items[0].text()).toContain('订单创建')
    expect(items[0].text()).toContain('2026-11-25 18:20:25')
    expect(items[0].get('[data-testid=order-timeline-amount]').text()).toBe('¥550.00')
    expect(items[0].get('[data-testid=order-timeline-detail]').text()).toBe('共 3 门课程')
    // link_issued: no amount (null) and no detail ('') are not shown
    expect(items[1].find('[data-testid=order-timeline-amount]').exists()).toBe(false)
    expect(items[1].find('[data-testid=order-timeline-detail]').exists()).toBe(false)
    expect(items[3].get('[data-testid=order-timeline-amount]').text()).toBe('¥183.33')
    expect(items[3].text()).toContain('退还积分 166')
  })

  it('shows the server errmsg when the timeline is refused, and retries', async () => {
    ordersApi.fetchOrderTimeline.mockRejectedValueOnce({ response: { status: 404, data: { errmsg: '订单不存在', code: 'order_not_found' } } })
    const w = mountTimeline()
    await flushPromises()
    expect(w.get('[data-testid=order-timeline-error]').text()).toContain('订单不存在')
    expect(w.find('[data-testid=order-timeline]').exists()).toBe(false)
    ordersApi.fetchOrderTimeline.mockResolvedValueOnce({ order_number: 'N7', order_status: 0, events: events.slice(0, 1) })
    await w.get('[data-testid=order-timeline-retry]').trigger('click')
    await flushPromises()
    expect(w.find('[data-testid=order-timeline-error]').exists()).toBe(false)
    expect(w.findAll('[data-testid=order-timeline-event]')).toHaveLength(1)
  })

  it('says so when there are no events, and loads again when reloadKey changes', async () => {
    ordersApi.fetchOrderTimeline.mockResolvedValueOnce({ order_number: 'N7', order_status: 0, events: [] })
    const w = mountTimeline({ reloadKey: 1 })
    await flushPromises()
    expect(w.find('[data-testid=order-timeline-empty]').exists()).toBe(true)
    ordersApi.fetchOrderTimeline.mockResolvedValueOnce({ order_number: 'N7', order_status: 1, events: events.slice(0, 3) })
    await w.setProps({ reloadKey: 2 })
    await flushPromises()
    expect(ordersApi.fetchOrderTimeline).toHaveBeenCalledTimes(2)
    expect(w.findAll('[data-testid=order-timeline-event]').map((i) => i.attributes('data-code'))).toEqual(['created', 'link_issued', 'paid'])
  })
})
