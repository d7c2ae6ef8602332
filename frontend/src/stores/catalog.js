import { defineStore } from 'pinia'
import { coursesApi, usersApi } from '@/api'

/** @typedef {import('@/api/types').Schemas} S */
import { apiParams } from '@/utils/catalog'
import { prefetch, takePrefetched } from '@/utils/prefetch'

const listKey = (params) => `courses:${JSON.stringify(params)}`
const courseKey = (id) => `course:${id}`

let loadSeq = 0

export const useCatalogStore = defineStore('catalog', {
  state: () => ({
    /** @type {S['Course'][]} */
    courses: [],
    count: 0,
    page: 1,
    pageSize: 10,
    loadedAt: 0,
    loading: false,
    /** @type {Record<string, any>} */
    query: {}, // the filters the shown page was loaded with (utils/catalog catalogQuery)
    /** @type {S['Category'][]} */
    categories: [],
    /** @type {number[]} ids of courses the logged-in user owns */
    boughtIds: [],
    /** @type {S['UserCourse'][]} */
    myCourses: [],
    mineLoaded: false, // boughtIds reflect the server (for the "已购买" marks)
  }),
  getters: {
    isBought: (s) => (id) => s.boughtIds.includes(id),
  },
  actions: {
    /** One page of the list, narrowed and sorted by the server: `filters` is {category, ordering, search}. */
    async load(page = 1, filters = {}) {
      this.loading = true
      const seq = ++loadSeq
      try {
        const params = apiParams({ ...filters, page })
        const data = await takePrefetched(listKey(params), () => coursesApi.fetchCourses(params))
        if (seq !== loadSeq) return this.courses // a newer query was asked for meanwhile: its answer wins
        const list = data.results
        this.query = { ...filters }
        this.courses = list
        this.count = data.count
        this.page = page
        // The page size is whatever the server used for page 1 with a next page.
        if (data.next && list.length) this.pageSize = list.length
        this.loadedAt = Date.now()
        return list
      } finally {
        if (seq === loadSeq) this.loading = false
      }
    },
    async loadCategories() {
      if (!this.categories.length) this.categories = await coursesApi.fetchCategories()
      return this.categories
    },
    async fetchCourse(id) {
      return takePrefetched(courseKey(id), () => coursesApi.fetchCourse(id))
    },
    /** Start the list page `load(page, filters)` will ask for (the router, while the page's chunk loads). */
    prefetchList(page = 1, filters = {}) {
      const params = apiParams({ ...filters, page })
      prefetch(listKey(params), () => coursesApi.fetchCourses(params))
    },
    prefetchCourse(id) {
      prefetch(courseKey(id), () => coursesApi.fetchCourse(id))
    },
    async loadMyCourses() {
      this.myCourses = await usersApi.fetchMyCourses()
      this.boughtIds = this.myCourses.map((x) => x.course.id)
      this.mineLoaded = true
      return this.myCourses
    },
    clearMine() {
      this.boughtIds = []
      this.myCourses = []
      this.mineLoaded = false
    },
  },
})
