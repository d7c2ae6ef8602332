import { reactive } from 'vue'
import { useRouter } from 'vue-router'
import { errorCode } from '@/api'
import { useOrdersStore, statusOf, ORDER_STATUS } from '@/stores/orders'

/**
 * Getting the gateway link for an order, opening it in a new tab and keeping the
 * overlay's state. The view that uses it shows errors (toasts) itself.
 */
export function usePayFlow() {
  const orders = useOrdersStore()
  const router = useRouter()
  const pay = reactive({ visible: false, orderNumber: '', until: null, link: '', blocked: false, realPrice: '' })

  function goSuccess(orderNumber) {
    pay.visible = false
    router.push({ name: 'order-success', params: { orderNumber } })
  }

  /**
   * @param {string} orderNumber
   * @param {{timeoutSeconds?: number|null, realPrice?: string}} opts
   * @returns {Promise<'opened'|'paid'>}
   */
  async function startPayment(orderNumber, { timeoutSeconds = null, realPrice = '' } = {}) {
    let data
    try {
      data = await orders.payLink(orderNumber)
    } catch (e) {
      // Paid meanwhile (another tab, the notify): nothing to pay, show the result.
      if (errorCode(e) === 'order_already_paid') {
        goSuccess(orderNumber)
        return 'paid'
      }
      throw e
    }
    if (!data || !data.link) {
      // A "0.00" order (or one already paid): nothing to pay at the gateway.
      if (statusOf(data) === ORDER_STATUS.PAID || (data && data.paid === true)) {
        goSuccess(orderNumber)
        return 'paid'
      }
      throw new Error((data && data.errmsg) || '未能获取支付链接，请稍后重试')
    }
    const win = window.open(data.link, '_blank')
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
      link: data.link,
      blocked: !win,
      realPrice: realPrice || '',
      until: Number.isInteger(timeoutSeconds) ? Date.now() + timeoutSeconds * 1000 : null,
    })
    return 'opened'
  }

  function close() {
    pay.visible = false
  }

  return { pay, startPayment, goSuccess, close }
}
