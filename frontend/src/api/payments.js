import * as api from './client'

/**
 * {pay_type, get_pay_type_display, link} — link may be null when the order is already paid.
 * @param {string} orderNumber
 * @param {'desktop'|'mobile'} [device] the cashier to link to (utils/device payDevice); the server's default
 *   is desktop
 */
export const fetchAlipayLink = (orderNumber, device) =>
  api.get('/api/payments/alipay/{order_number}/', {
    path: { order_number: orderNumber },
    ...(device ? { query: { device } } : {}),
  })

/**
 * Relay the query string Alipay appended to the return URL, unchanged.
 * @param {string} search location.search, including the leading "?"
 */
export const relayAlipayResult = (search) => api.get('/api/payments/alipay/result/', { search: search || '' })

/**
 * {order_status, ...}; the server asks the gateway when the order is still unpaid.
 * @param {string} orderNumber
 */
export const queryAlipay = (orderNumber) =>
  api.get('/api/payments/alipay/query/{order_number}/', { path: { order_number: orderNumber } })

/**
 * WeChat Pay Native: {pay_type, code_url, order_status} — code_url (weixin://…) is shown as a QR code; null
 * when nothing is left to pay.
 * @param {string} orderNumber
 */
export const fetchWechatCode = (orderNumber) =>
  api.get('/api/payments/wechat/{order_number}/', { path: { order_number: orderNumber } })

/** @param {string} orderNumber */
export const queryWechat = (orderNumber) =>
  api.get('/api/payments/wechat/query/{order_number}/', { path: { order_number: orderNumber } })

/**
 * Pay a wallet (余额) order from the balance at once: {order_number, order_status, money, ...}. A repeat is
 * success and charges nothing; 400 wallet_insufficient when the balance is too small.
 * @param {string} orderNumber
 */
export const payWithWallet = (orderNumber) =>
  api.post('/api/payments/wallet/{order_number}/', { path: { order_number: orderNumber } })
