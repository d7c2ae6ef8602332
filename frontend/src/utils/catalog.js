// The course list's query (category, sort, search, page) as the URL carries it, and how lessons and chapters read.

/** The server's sorts (courses.selectors.SORTS); '' is the operators' order. */
export const SORTS = [
  { value: '', label: '综合' },
  { value: 'newest', label: '最新' },
  { value: 'popular', label: '最热' },
  { value: 'price', label: '价格↑', title: '价格从低到高' },
  { value: '-price', label: '价格↓', title: '价格从高到低' },
]
const SORT_VALUES = new Set(SORTS.map((s) => s.value))
export const SEARCH_MAX = 50

/** A route's query → {category, ordering, search, page}; anything malformed falls back to the default. */
export function catalogQuery(query = {}) {
  const one = (v) => (Array.isArray(v) ? v[0] : v)
  const category = Number.parseInt(one(query.category), 10)
  const ordering = String(one(query.ordering) ?? '')
  const search = String(one(query.search) ?? '').trim().replace(/\s+/g, ' ').slice(0, SEARCH_MAX)
  const page = Number.parseInt(one(query.page), 10)
  return {
    category: Number.isInteger(category) && category > 0 ? category : null,
    ordering: SORT_VALUES.has(ordering) ? ordering : '',
    search,
    page: Number.isInteger(page) && page > 0 ? page : 1,
  }
}

/** The list a route shows: the home page only pages through the default list, /courses reads every filter. */
export function listQuery(route) {
  return route.name === 'home' ? catalogQuery({ page: route.query.page }) : catalogQuery(route.query)
}

/** {category, ordering, search, page} → a route query without the defaults (so /courses stays /courses). */
export function routeQuery({ category = null, ordering = '', search = '', page = 1 } = {}) {
  /** @type {Record<string, string>} */
  const q = {}
  if (category) q.category = String(category)
  if (ordering) q.ordering = ordering
  if (search) q.search = search
  if (page > 1) q.page = String(page)
  return q
}

/** The API's parameters for a catalogQuery (the server filters, sorts and searches). */
export function apiParams({ category = null, ordering = '', search = '', page = 1 } = {}) {
  const p = { page }
  if (category) p.category = category
  if (ordering) p.ordering = ordering
  if (search) p.search = search
  return p
}

/** A lesson's length: whole seconds → "mm:ss" ("h:mm:ss" from an hour). Text already shaped like a clock is shown
 * as it is; nothing for an unknown (0, empty) length. */
export function formatDuration(value) {
  if (value === null || value === undefined || value === '') return ''
  if (typeof value === 'string' && !/^\d+$/.test(value.trim())) return /^\d+(:\d{2}){1,2}$/.test(value.trim()) ? value.trim() : ''
  const total = Number(value)
  if (!Number.isFinite(total) || total <= 0) return ''
  const s = Math.floor(total)
  const pad = (n) => String(n).padStart(2, '0')
  const hours = Math.floor(s / 3600)
  const minutes = Math.floor((s % 3600) / 60)
  return hours ? `${hours}:${pad(minutes)}:${pad(s % 60)}` : `${pad(minutes)}:${pad(s % 60)}`
}

/**
 * "第N章 · name": the number from the chapter's position, and not twice when an old name starts with it.
 * @param {{orders?: number, name?: string}} chapter
 * @param {number} index
 */
export function chapterTitle(chapter, index) {
  const n = chapter.orders ?? index + 1
  const name = String(chapter.name || '').replace(/^\s*第\s*\d+\s*章\s*[·:：.、-]?\s*/, '')
  return name ? `第${n}章 · ${name}` : `第${n}章`
}

/**
 * "N-M": a lesson's number within its chapter.
 * @param {{orders?: number}} chapter @param {number} chapterIndex @param {{orders?: number}} lesson @param {number} lessonIndex
 */
export function lessonNumber(chapter, chapterIndex, lesson, lessonIndex) {
  const n = chapter.orders ?? chapterIndex + 1
  return `${n}-${lesson.orders ?? lessonIndex + 1}`
}

/**
 * A `srcset` for a cover that has a small copy: the shop's own demo covers (640×360) have `<name>.sm.jpg` (224×126)
 * beside them (demo/artwork.py). Other covers (any URL an operator entered) have none: ''.
 * @param {string | undefined} url
 */
export function coverSrcset(url) {
  const m = /^(.*\/demo\/covers\/[\w-]+)\.jpg$/.exec(url || '')
  return m ? `${m[1]}.sm.jpg 224w, ${url} 640w` : ''
}
