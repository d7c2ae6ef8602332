import { computed, reactive } from 'vue'
import { useRouter } from 'vue-router'
import { ElMessage } from 'element-plus/es/components/message/index.mjs'
import { errorCode, errorMessage } from '@/api'
import { useOrdersStore, statusOf, ORDER_STATUS } from '@/stores/orders'
import { orderRemainingSeconds } from '@/utils/time'
import { payDevice } from '@/utils/device'

/** Order.PayType of the wallet (余额): paid at once from the balance, no cashier to open. */
export const WALLET_PAY_TYPE = 2

/** Ways to pay that need no cashier: pay_type → how the orders store pays them directly. */
const DIRECT_PAY = {
  [WALLET_PAY_TYPE]: (orders, orderNumber) => orders.payWithWallet(orderNumber),
}

/**
 * The whole pay flow for a view: get the gateway link for an order (the phone cashier on a phone, as
 * utils/device payDevice decides), open it in a new tab, and drive <PayOverlay> (which polls with back-off
 * and has the "我已完成支付" button) until the order is paid (→ success page), cancelled / timed out (toast)
 * or the buyer closes it.
 *
 * Usage: `const { payOrder, payOverlay } = usePayFlow({ onClose, onEnded, onFailed, onPaid })` and
 * `<PayOverlay v-if="payOverlay" v-bind="payOverlay" />`.
 *
 * @param {{onClose?: () => void, onEnded?: (...args: any[]) => void, onFailed?: (error: unknown) => void,
 *          onPaid?: (orderNumber: string) => void}} [hooks] what the view
 *   does after the overlay is closed ("稍后支付" / "查看我的订单"), after the order ended, after getting the link
 *   failed; `onPaid(orderNumber)` replaces the course success page (a wallet top-up buys no course).
 */
export function usePayFlow({ onClose, onEnded, onFailed, onPaid } = {}) {
  const orders = useOrdersStore()
  const router = useRouter()
  const pay = reactive({
    visible: false,
    orderNumber: '',
    until: null,
    link: '',
    codeUrl: '',
    payType: 0,
    blocked: false,
    realPrice: '',
  })

  function goSuccess(orderNumber) {
    pay.visible = false
    if (onPaid) return onPaid(orderNumber)
    router.push({ name: 'order-success', params: { orderNumber } })
  }

  /**
   * @param {string} orderNumber
   * @param {{timeoutSeconds?: number|null, realPrice?: string, payType?: number}} opts payType 1 (WeChat Pay):
   *   the overlay shows the code_url as a QR code instead of opening a cashier tab
   * @returns {Promise<'opened'|'paid'>}
   */
  async function startPayment(orderNumber, { timeoutSeconds = null, realPrice = '', payType = null } = {}) {
    const direct = DIRECT_PAY[payType]
    if (direct) {
      const paid = await direct(orders, orderNumber)
      if (statusOf(paid) === ORDER_STATUS.PAID) {
        goSuccess(orderNumber)
        return 'paid'
      }
      throw new Error('支付未完成，请稍后在我的订单中查看')
    }
    let data
    try {
      data = await orders.payLink(orderNumber, payDevice(), payType)
    } catch (e) {
      // Paid meanwhile (another tab, the notify): nothing to pay, show the result.
      if (errorCode(e) === 'order_already_paid') {
        goSuccess(orderNumber)
        return 'paid'
      }
      throw e
    }
    const until = Number.isInteger(timeoutSeconds) ? Date.now() + timeoutSeconds * 1000 : null
    if ('code_url' in data && data.code_url) {
      // WeChat Pay Native: nothing to open; the buyer scans the QR code the overlay draws.
      Object.assign(pay, {
        visible: true,
        orderNumber,
        link: '',
        codeUrl: data.code_url,
        payType,
        blocked: false,
        realPrice: realPrice || '',
        until,
      })
      return 'opened'
    }
    const link = 'link' in data ? data.link : null
    if (!link) {
      // A "0.00" order (or one already paid): nothing to pay at the gateway.
      if (statusOf(data) === ORDER_STATUS.PAID) {
        goSuccess(orderNumber)
        return 'paid'
      }
      throw new Error('未能获取支付链接，请稍后重试')
    }
    const win = window.open(link, '_blank')
    if (win) {
      try {
        win.opener = null
      } catch {
        /* cross-origin already */
      }
    }
    Object.assign(pay, {
      visible: true,
      orderNumber,
      link,
      codeUrl: '',
      payType,
      blocked: !win,
      realPrice: realPrice || '',
      until,
    })
    return 'opened'
  }

  /**
   * Pay an order (just created, or an unpaid one from a list): its remaining time and amount come from
   * the order itself. A failure is shown as a toast, then `onFailed` runs.
   * @param {object} order needs `order_number`; uses `order_timeout` (or another expiry) and `real_price`
   * @param {number} [loadedAt] when the order was fetched (epoch ms), for a remaining time given in seconds
   * @returns {Promise<'opened'|'paid'|'failed'>}
   */
  /**
   * @param {{order_number: string, real_price?: string, order_timeout?: number, expire_time?: string, pay_type?: number}} order
   *   an order answer (Order, OrderCreated) with the way it is paid
   * @param {number} [loadedAt] when it was fetched
   */
  async function payOrder(order, loadedAt = Date.now()) {
    try {
      return await startPayment(order.order_number, {
        timeoutSeconds: orderRemainingSeconds(order, Date.now(), loadedAt),
        realPrice: order.real_price || '',
        payType: Number.isInteger(order.pay_type) ? order.pay_type : null,
      })
    } catch (e) {
      ElMessage.error(errorMessage(e, DIRECT_PAY[order.pay_type] ? '支付失败' : '获取支付链接失败'))
      if (onFailed) onFailed(e)
      return 'failed'
    }
  }

  function close() {
    pay.visible = false
    if (onClose) onClose()
  }

  function ended({ status }) {
    ElMessage.warning(status === ORDER_STATUS.CANCELLED ? '订单已取消' : '订单已超时')
    if (onEnded) onEnded()
  }

  /** Props and listeners for <PayOverlay>, or null while it is hidden. */
  const payOverlay = computed(() =>
    pay.visible
      ? {
          orderNumber: pay.orderNumber,
          until: pay.until,
          link: pay.link,
          codeUrl: pay.codeUrl,
          payType: pay.payType,
          blocked: pay.blocked,
          realPrice: pay.realPrice,
          onPaid: goSuccess,
          onEnded: ended,
          onClose: close,
          onGotoOrders: close,
        }
      : null,
  )

  return { pay, payOverlay, payOrder, startPayment, goSuccess, close }
}
