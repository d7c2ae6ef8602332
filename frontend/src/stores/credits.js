import { defineStore } from 'pinia'
import { usersApi } from '@/api'

export const useCreditsStore = defineStore('credits', {
  state: () => ({
    /** @type {import('@/api/types').Schemas['Credit'][]} */
    entries: [],
    count: 0,
    page: 1,
    loading: false,
  }),
  actions: {
    async load(page = 1) {
      this.loading = true
      try {
        const data = await usersApi.fetchMyCredits({ page })
        this.entries = data.results
        this.count = data.count
        this.page = page
        return this.entries
      } finally {
        this.loading = false
      }
    },
  },
})
