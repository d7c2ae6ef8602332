import { defineStore } from 'pinia'
import { ordersApi, usersApi } from '@/api'

export const useWalletStore = defineStore('wallet', {
  state: () => ({ money: null, entries: [], loading: false, toppingUp: false }),
  actions: {
    /** GET /api/users/wallet/: the balance ("%.2f" string) and the ledger, newest first. */
    async load() {
      this.loading = true
      try {
        const data = await usersApi.fetchWallet()
        this.money = data && typeof data.money === 'string' ? data.money : null
        this.entries = data && Array.isArray(data.entries) ? data.entries : []
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
