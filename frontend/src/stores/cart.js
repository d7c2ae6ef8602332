import { defineStore } from 'pinia'
import { cartApi } from '@/api'
import { effectivePrice, sumMoney } from '@/utils/money'

/** @typedef {import('@/api/types').Schemas['CartLine']} CartLine */

export const useCartStore = defineStore('cart', {
  state: () => ({
    /** @type {CartLine[]} GET /api/cart/'s lines */
    items: [],
    count: 0, // the header badge
    /** @type {number[]} */
    ids: [], // the course ids in the cart (the "已在购物车" marks), kept through add/remove between loads
    loaded: false,
    loading: false,
  }),
  getters: {
    selectedItems: (s) => s.items.filter((i) => i.selected),
    /** Is this course in the cart (as far as this page knows)? */
    has: (s) => (courseId) => s.ids.includes(Number(courseId)),
    allSelected: (s) => s.items.length > 0 && s.items.every((i) => i.selected),
    someSelected: (s) => s.items.some((i) => i.selected) && !s.items.every((i) => i.selected),
    /** Display-only sum of the server's prices of the selected courses, in integer cents. */
    /** @returns {string} */
    selectedTotal() {
      return sumMoney(this.selectedItems.map(effectivePrice))
    },
    /** @returns {string} */
    selectedOriginalTotal() {
      return sumMoney(this.selectedItems.map((i) => i.price))
    },
  },
  actions: {
    /** @param {{early?: import('@/api/types').EarlyRequest | null}} [opts] */
    async load(opts = {}) {
      this.loading = true
      try {
        const data = await cartApi.fetchCart(opts)
        this.items = data.cart
        this.count = this.items.length
        this.ids = this.items.map((i) => i.id)
        this.loaded = true
        return this.items
      } finally {
        this.loading = false
      }
    },
    async add(courseId) {
      const data = await cartApi.addToCart(courseId)
      this.count = data.cart_total
      if (!this.has(courseId)) this.ids = [...this.ids, Number(courseId)]
      this.loaded = false // the list is stale now
      return data
    },
    async setSelected(courseId, selected) {
      const item = this.items.find((i) => i.id === courseId)
      const before = item ? item.selected : undefined
      if (item) item.selected = selected // optimistic; rolled back on failure
      try {
        await cartApi.selectCourse(courseId, selected)
      } catch (e) {
        if (item) item.selected = before
        throw e
      }
    },
    async setAllSelected(selected) {
      const before = this.items.map((i) => i.selected)
      this.items.forEach((i) => (i.selected = selected))
      try {
        await cartApi.selectAll(selected)
      } catch (e) {
        this.items.forEach((i, k) => (i.selected = before[k]))
        throw e
      }
    },
    async remove(courseId) {
      await cartApi.removeFromCart(courseId)
      this.items = this.items.filter((i) => i.id !== courseId)
      this.ids = this.ids.filter((id) => id !== Number(courseId))
      this.count = Math.max(0, this.count - 1)
    },
    /** Add (if not there yet) and make it the only selected course: the "buy now" path. */
    async buyNow(courseId) {
      try {
        await this.add(courseId)
      } catch (e) {
        // Already in the cart is fine; anything else (bought, unknown) is not.
        await this.load()
        if (!this.items.some((i) => i.id === courseId)) throw e
      }
      await this.load()
      await cartApi.selectAll(false)
      await cartApi.selectCourse(courseId, true)
      this.items.forEach((i) => (i.selected = i.id === courseId))
    },
    /** @param {{early?: import('@/api/types').EarlyRequest | null}} [opts] */
    async refreshCount(opts = {}) {
      try {
        await this.load(opts)
      } catch {
        /* the badge is best effort */
      }
    },
    reset() {
      this.items = []
      this.count = 0
      this.ids = []
      this.loaded = false
    },
  },
})
