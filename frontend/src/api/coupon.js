import http from './http'

/** {coupon_list, credit_to_money, has_credit} usable for the selected cart. */
export const fetchEnableCoupons = () => http.get('/coupon/enable/').then((r) => r.data)
