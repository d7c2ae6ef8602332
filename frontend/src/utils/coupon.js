// Display helpers for coupons. Only string handling: no money arithmetic. Whether a coupon is usable is not
// guessed here: the server lists the usable ones (coupon_list) apart from the unusable, each with its `reason`.

/** @typedef {import('@/api/types').Schemas['UsableCoupon'] | import('@/api/types').Schemas['UnusableCoupon']} Coupon */
import { formatMoney, isZeroMoney } from './money'

/**
 * discount 1 = 减免 (sale "-100"), 2 = 折扣 (sale "*0.88"), as in luffycity.
 * @param {Pick<Coupon, 'discount'>} coupon
 */
export function couponKind(coupon) {
  return coupon.discount === 2 ? 'rate' : 'amount'
}

/** "*0.88" -> "8.8折", "*0.9" -> "9折", "0.75" -> "7.5折". */
export function rateLabel(sale) {
  const s = String(sale ?? '').replace('*', '').trim()
  const m = /^0?\.(\d+)$/.exec(s) || /^0\.(\d+)$/.exec(s)
  if (!m) return s ? `${s} 折扣` : '折扣'
  const digits = m[1].replace(/0+$/, '') || '0'
  const label = digits.length === 1 ? digits : `${digits[0]}.${digits.slice(1)}`
  return `${label}折`
}

/**
 * The headline of a coupon: "¥100" or "8.8折".
 * @param {Pick<Coupon, 'discount' | 'sale'>} coupon
 */
export function couponValue(coupon) {
  if (couponKind(coupon) === 'rate') return rateLabel(coupon.sale)
  return formatMoney(String(coupon.sale ?? '').replace(/^[-+]/, ''))
}

/**
 * "满500元可用" or "无门槛".
 * @param {Pick<Coupon, 'condition'>} coupon
 */
export function couponCondition(coupon) {
  const c = coupon && coupon.condition
  if (c === undefined || c === null || c === '' || isZeroMoney(c)) return '无门槛'
  return `满${String(c).replace(/\.00$/, '')}元可用`
}
