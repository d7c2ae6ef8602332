import { defineStore } from 'pinia'
import { ordersApi, paymentsApi } from '@/api'

/** @typedef {import('@/api/types').Schemas} S */
/** @typedef {NonNullable<import('@/api/types').Query<import('@/api/types').Op<'/api/orders/', 'get'>>['status']>} StatusFilter */

export const ORDER_STATUS = /** @type {const} */ ({
  UNPAID: 0,
  PAID: 1,
  CANCELLED: 2,
  TIMEOUT: 3,
  REFUNDED: 4,
})

/** Order.pay_type values paid through a gateway. */
export const PAY_TYPE = { ALIPAY: 0, WECHAT: 1 }

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
  { status: 'partial', label: '部分退款' }, // paid orders with some courses refunded (?status=partial)
]

/**
 * What the order card's amount means: 实付 for money that was paid, 应付 for what was due but never paid.
 * @param {{order_status?: number}} order
 */
export function amountLabel(order) {
  const s = statusOf(order)
  return s === ORDER_STATUS.PAID || s === ORDER_STATUS.REFUNDED ? '实付' : '应付'
}

/**
 * An answer's order_status, or null when it has none.
 * @param {{order_status?: number} | null | undefined} order
 */
export function statusOf(order) {
  const s = order && order.order_status
  return s === undefined || s === null ? null : s
}

export const useOrdersStore = defineStore('orders', {
  state: () => ({
    /** @type {S['Order'][]} */
    list: [],
    count: 0,
    page: 1,
    /** @type {number | 'partial' | ''} */
    status: '',
    loading: false,
    loadedAt: 0,
    /** order_number -> {order_number, order_status, get_order_status_display, events} as the server sent it */
    /** @type {Record<string, S['OrderTimeline']>} */
    timelines: {},
  }),
  actions: {
    async load({ status = this.status, page = this.page } = {}) {
      this.loading = true
      this.status = status
      this.page = page
      try {
        const data = await ordersApi.fetchOrders(status === '' || status === null || status === undefined ? { page } : { page, status: /** @type {StatusFilter} */ (String(status)) })
        this.list = data.results
        this.count = data.count
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
      const timeline = await ordersApi.fetchOrderTimeline(orderNumber)
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
    /** Alipay's {link}, or WeChat Pay's {code_url} for a pay_type 1 order. */
    async payLink(orderNumber, device, payType = PAY_TYPE.ALIPAY) {
      return Number(payType) === PAY_TYPE.WECHAT
        ? paymentsApi.fetchWechatCode(orderNumber)
        : paymentsApi.fetchAlipayLink(orderNumber, device)
    },
    /** Ask the server (which asks the gateway) whether the order is paid. Resolves the status number. */
    async queryPayment(orderNumber, payType = PAY_TYPE.ALIPAY) {
      const data =
        Number(payType) === PAY_TYPE.WECHAT
          ? await paymentsApi.queryWechat(orderNumber)
          : await paymentsApi.queryAlipay(orderNumber)
      return { status: statusOf(data), data }
    },
    async relayReturn(search) {
      return paymentsApi.relayAlipayResult(search)
    },
  },
})
