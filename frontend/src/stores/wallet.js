import { defineStore } from 'pinia'
import { ordersApi, usersApi } from '@/api'

export const useWalletStore = defineStore('wallet', {
  state: () => ({
    /** @type {string | null} */
    money: null,
    /** @type {import('@/api/types').Schemas['WalletEntry'][]} */
    entries: [],
    /** @type {import('@/api/types').Schemas['TopupPayType'][]} the ways the server takes a top-up (支付宝, 微信支付) */
    topupPayTypes: [],
    loading: false,
    toppingUp: false,
  }),
  actions: {
    /** GET /api/users/wallet/: the balance ("%.2f" string), the ledger (newest first) and the top-up methods. */
    async load() {
      this.loading = true
      try {
        const data = await usersApi.fetchWallet()
        this.money = data.money
        this.entries = data.entries
        this.topupPayTypes = data.topup_pay_types
        return data
      } finally {
        this.loading = false
      }
    },
    /** A top-up order for `amount` (a "12.30" string), paid like any order through the cashier of `payType`. */
    async createTopup(amount, payType = 0) {
      this.toppingUp = true
      try {
        return await ordersApi.createTopup(amount, payType)
      } finally {
        this.toppingUp = false
      }
    },
  },
})
