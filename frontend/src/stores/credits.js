import { defineStore } from 'pinia'
import { usersApi } from '@/api'
import { listOf, countOf } from '@/utils/shape'

export const useCreditsStore = defineStore('credits', {
  state: () => ({ entries: [], count: 0, page: 1, loading: false }),
  actions: {
    async load(page = 1) {
      this.loading = true
      try {
        const data = await usersApi.fetchMyCredits({ page })
        this.entries = listOf(data, 'credits', 'credit_list')
        this.count = countOf(data, this.entries)
        this.page = page
        return this.entries
      } finally {
        this.loading = false
      }
    },
  },
})
