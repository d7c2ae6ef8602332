import { defineStore } from 'pinia'
import { coursesApi, usersApi } from '@/api'
import { listOf, countOf } from '@/utils/shape'
import { apiParams } from '@/utils/catalog'
import { prefetch, takePrefetched } from '@/utils/prefetch'

const listKey = (params) => `courses:${JSON.stringify(params)}`
const courseKey = (id) => `course:${id}`

export const useCatalogStore = defineStore('catalog', {
  state: () => ({
    courses: [],
    count: 0,
    page: 1,
    pageSize: 10,
    loadedAt: 0,
    loading: false,
    query: {}, // the filters the shown page was loaded with (utils/catalog catalogQuery)
    categories: [],
    boughtIds: [], // ids of courses the logged-in user owns
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
      const seq = (this._seq = (this._seq || 0) + 1)
      try {
        const params = apiParams({ ...filters, page })
        const data = await takePrefetched(listKey(params), () => coursesApi.fetchCourses(params))
        if (seq !== this._seq) return this.courses // a newer query was asked for meanwhile: its answer wins
        const list = listOf(data, 'courses')
        this.query = { ...filters }
        this.courses = list
        this.count = countOf(data, list)
        this.page = page
        // The page size is whatever the server used for page 1 with a next page.
        if (data && data.next && list.length) this.pageSize = list.length
        this.loadedAt = Date.now()
        return list
      } finally {
        if (seq === this._seq) this.loading = false
      }
    },
    async loadCategories() {
      if (!this.categories.length) this.categories = listOf(await coursesApi.fetchCategories(), 'categories')
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
      const data = await usersApi.fetchMyCourses()
      this.myCourses = listOf(data, 'courses', 'course_list')
      this.boughtIds = this.myCourses
        .map((x) => (x.course && typeof x.course === 'object' ? x.course.id : (x.course_id ?? x.course)))
        .filter((id) => id !== undefined && id !== null)
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
