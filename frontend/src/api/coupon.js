import * as api from './client'

/** {coupon_list, credit_to_money, has_credit} usable for the selected cart. */
export const fetchEnableCoupons = () => api.get('/api/coupon/enable/')
