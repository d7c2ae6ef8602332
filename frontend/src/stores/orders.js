import { defineStore } from 'pinia'
import { ordersApi, paymentsApi } from '@/api'
import { listOf, countOf } from '@/utils/shape'

export const ORDER_STATUS = {
  UNPAID: 0,
  PAID: 1,
  CANCELLED: 2,
  TIMEOUT: 3,
  REFUNDED: 4,
}

export const STATUS_LABELS = {
  0: '未支付',
  1: '已支付',
  2: '已取消',
  3: '已超时',
  4: '已退款',
}

export const STATUS_TABS = [
  { status: '', label: '全部' },
  { status: 0, label: '未支付' },
  { status: 1, label: '已支付' },
  { status: 2, label: '已取消' },
  { status: 3, label: '已超时' },
  { status: 4, label: '已退款' },
]

/** Normalise order_status which may come as a number or a digit string. */
export function statusOf(order) {
  const s = order && order.order_status
  return s === undefined || s === null || s === '' ? null : Number(s)
}

export const useOrdersStore = defineStore('orders', {
  state: () => ({
    list: [],
    count: 0,
    page: 1,
    status: '',
    loading: false,
    loadedAt: 0,
    /** order_number -> {order_number, order_status, get_order_status_display, events} as the server sent it */
    timelines: {},
  }),
  actions: {
    async load({ status = this.status, page = this.page } = {}) {
      this.loading = true
      this.status = status
      this.page = page
      try {
        const params = { page }
        if (status !== '' && status !== null && status !== undefined) params.status = status
        const data = await ordersApi.fetchOrders(params)
        this.list = listOf(data, 'orders')
        this.count = countOf(data, this.list)
        this.loadedAt = Date.now()
        return this.list
      } finally {
        this.loading = false
      }
    },
    async fetchOne(orderNumber) {
      return ordersApi.fetchOrder(orderNumber)
    },
    /**
     * The payment timeline of one of the student's orders (oldest first). Amounts stay the server's strings
     * (or null). Always asks the server again: the timeline grows (paid, refunds) while the page is open.
     */
    async loadTimeline(orderNumber) {
      const data = await ordersApi.fetchOrderTimeline(orderNumber)
      const timeline = {
        order_number: (data && data.order_number) || orderNumber,
        order_status: statusOf(data),
        get_order_status_display: (data && data.get_order_status_display) || '',
        events: listOf(data, 'events').filter((e) => e && typeof e === 'object'),
      }
      this.timelines = { ...this.timelines, [orderNumber]: timeline }
      return timeline
    },
    async cancel(orderNumber) {
      const data = await ordersApi.cancelOrder(orderNumber)
      const o = this.list.find((x) => x.order_number === orderNumber)
      if (o) {
        o.order_status = ORDER_STATUS.CANCELLED
        o.get_order_status_display = STATUS_LABELS[2]
      }
      return data
    },
    async payWithWallet(orderNumber) {
      return paymentsApi.payWithWallet(orderNumber)
    },
    async payLink(orderNumber, device) {
      return paymentsApi.fetchAlipayLink(orderNumber, device)
    },
    /** Ask the server (which asks the gateway) whether the order is paid. Resolves the status number. */
    async queryPayment(orderNumber) {
      const data = await paymentsApi.queryAlipay(orderNumber)
      return { status: statusOf(data), data }
    },
    async relayReturn(search) {
      return paymentsApi.relayAlipayResult(search)
    },
  },
})
