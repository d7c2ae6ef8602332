// Small readers that tolerate the few shapes a DRF list can take.

/** [..] or {results: [..]} or {<key>: [..]} -> array */
export function listOf(data, ...keys) {
  if (Array.isArray(data)) return data
  if (!data || typeof data !== 'object') return []
  for (const k of [...keys, 'results', 'data', 'list']) if (Array.isArray(data[k])) return data[k]
  return []
}

/** The total count of a paginated answer (falls back to the list length). */
export function countOf(data, list) {
  if (data && typeof data === 'object' && Number.isInteger(data.count)) return data.count
  return list.length
}

/** The cover image of a course, whatever the serializer calls it. */
export function courseCover(course) {
  return (course && (course.course_cover || course.cover || course.cover_url || course.image)) || ''
}

/**
 * A `srcset` for a cover that has a small copy: the shop's own demo covers (640×360) have `<name>.sm.jpg` (224×126)
 * beside them (demo/artwork.py). Other covers (any URL an operator entered) have none: ''.
 */
export function coverSrcset(url) {
  const m = /^(.*\/demo\/covers\/[\w-]+)\.jpg$/.exec(url || '')
  return m ? `${m[1]}.sm.jpg 224w, ${url} 640w` : ''
}

/** The courses of an order, normalised to [{id, name, price, real_price, cover}]. */
export function orderCourses(order) {
  const raw =
    (order && (order.courses || order.course_list || order.order_courses || order.details || order.order_details)) || []
  return raw.map((item) => {
    const c = item.course && typeof item.course === 'object' ? item.course : item
    return {
      id: c.id ?? item.course_id ?? item.id,
      name: item.name || c.name || item.course_name || '',
      price: item.price ?? c.price,
      real_price: item.real_price ?? c.real_price,
      cover: courseCover(c) || courseCover(item),
      refund: item.refund || null, // this course's share of a refund (status, amount, credit), if any
    }
  })
}
