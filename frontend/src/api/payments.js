import http from './http'

/**
 * {pay_type, get_pay_type_display, link} — link may be null when the order is already paid.
 * @param {string} orderNumber
 * @param {'desktop'|'mobile'} [device] the cashier to link to (utils/device payDevice); the server's default
 *   is desktop
 */
export const fetchAlipayLink = (orderNumber, device) =>
  http
    .get(`/payments/alipay/${encodeURIComponent(orderNumber)}/`, device ? { params: { device } } : undefined)
    .then((r) => r.data)

/**
 * Relay the query string Alipay appended to the return URL, unchanged.
 * @param {string} search location.search, including the leading "?"
 */
export const relayAlipayResult = (search) => {
  const qs = search && !search.startsWith('?') ? `?${search}` : search || ''
  return http.get(`/payments/alipay/result/${qs}`).then((r) => r.data)
}

/** {order_status, ...}; the server asks the gateway when the order is still unpaid. */
export const queryAlipay = (orderNumber) =>
  http.get(`/payments/alipay/query/${encodeURIComponent(orderNumber)}/`).then((r) => r.data)

/**
 * Pay a wallet (余额) order from the balance at once: {order_number, order_status, money, ...}. A repeat is
 * success and charges nothing; 400 wallet_insufficient when the balance is too small.
 */
export const payWithWallet = (orderNumber) =>
  http.post(`/payments/wallet/${encodeURIComponent(orderNumber)}/`).then((r) => r.data)
