import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('@/api/orders', () => ({ fetchOrders: vi.fn(), fetchOrder: vi.fn(), cancelOrder: vi.fn(), fetchOrderTimeline: vi.fn() }))
vi.mock('@/api/payments', () => ({ fetchAlipayLink: vi.fn(), queryAlipay: vi.fn(), relayAlipayResult: vi.fn() }))
import * as ordersApi from '@/api/orders'
import { useOrdersStore } from '@/stores/orders'

const refunded = () => ({
  order_number: 'N7',
  order_status: 4,
  get_order_status_display: '已退款',
  events: [
    { code: 'created', label: '订单创建', time: '2026-11-25T18:20:25+08:00', amount: '550.00', detail: '共 3 门课程' },
    { code: 'link_issued', label: '发起支付宝支付', time: '2026-11-25T18:20:27+08:00', amount: null, detail: '' },
    { code: 'paid', label: '支付成功', time: '2026-11-25T18:21:02+08:00', amount: '550.00', detail: '支付宝支付成功' },
    { code: 'refunded', label: '退款成功', time: '2026-11-26T09:00:00+08:00', amount: '183.33', detail: '退款课程：Vue；退还积分 166' },
  ],
})

beforeEach(() => {
  setActivePinia(createPinia())
  vi.resetAllMocks()
})

describe('orders store: loadTimeline', () => {
  it('asks the api for the order and keeps the events as sent (amounts stay strings or null)', async () => {
    ordersApi.fetchOrderTimeline.mockResolvedValue(refunded())
    const s = useOrdersStore()
    const t = await s.loadTimeline('N7')
    expect(ordersApi.fetchOrderTimeline).toHaveBeenCalledWith('N7')
    expect(t.order_status).toBe(4)
    expect(t.get_order_status_display).toBe('已退款')
    expect(t.events.map((e) => e.code)).toEqual(['created', 'link_issued', 'paid', 'refunded'])
    expect(t.events.map((e) => e.amount)).toEqual(['550.00', null, '550.00', '183.33'])
    expect(s.timelines.N7).toEqual(t)
  })

  it('asks again every time and replaces the stored timeline (it grows while the page is open)', async () => {
    const s = useOrdersStore()
    ordersApi.fetchOrderTimeline.mockResolvedValueOnce({ ...refunded(), order_status: 1, events: refunded().events.slice(0, 3) })
    await s.loadTimeline('N7')
    expect(s.timelines.N7.events).toHaveLength(3)
    ordersApi.fetchOrderTimeline.mockResolvedValueOnce(refunded())
    await s.loadTimeline('N7')
    expect(ordersApi.fetchOrderTimeline).toHaveBeenCalledTimes(2)
    expect(s.timelines.N7.events).toHaveLength(4)
    expect(s.timelines.N7.order_status).toBe(4)
  })

  it('keeps timelines of several orders apart, each as the server sent it', async () => {
    const s = useOrdersStore()
    ordersApi.fetchOrderTimeline.mockResolvedValueOnce(refunded()).mockResolvedValueOnce({ order_number: 'N8', order_status: 0, get_order_status_display: '未支付', events: [] })
    await s.loadTimeline('N7')
    await s.loadTimeline('N8')
    expect(Object.keys(s.timelines).sort()).toEqual(['N7', 'N8'])
    expect(s.timelines.N8.events).toEqual([])
    expect(s.timelines.N8.order_status).toBe(0)
  })

  it('rejects with the api error (404 order_not_found) and stores nothing', async () => {
    const err = { response: { status: 404, data: { errmsg: '订单不存在', code: 'order_not_found' } } }
    ordersApi.fetchOrderTimeline.mockRejectedValue(err)
    const s = useOrdersStore()
    await expect(s.loadTimeline('N9')).rejects.toBe(err)
    expect(s.timelines.N9).toBeUndefined()
  })
})
