// The first request of the pages a student lands on, started as soon as the router knows the page: in parallel
// with the download of the page's lazy chunk rather than after it has loaded and mounted (utils/prefetch.js hands
// the answer to the page's own request). Registered after the login guard, so only pages that will open.
import { listQuery } from '@/utils/catalog'
import { ordersApi } from '@/api'
import { useCatalogStore } from '@/stores/catalog'
import { CHECKOUT_KEY, prefetch } from '@/utils/prefetch'
import { takeEarly } from '@/utils/early'

export function prefetchPage(to, pinia) {
  if (to.name === 'home' || to.name === 'courses') {
    const { page, ...filters } = listQuery(to)
    useCatalogStore(pinia).prefetchList(page, filters)
  } else if (to.name === 'course') {
    useCatalogStore(pinia).prefetchCourse(to.params.id)
  } else if (to.name === 'order') {
    // The summary the checkout store's load() takes (stores/checkout.js), asked here without that store: it stays
    // out of the entry chunk, and the request leaves in this task rather than after a chunk has loaded. Landing on
    // /order, index.html has sent it already, with the page (utils/early.js): its answer is this request's.
    prefetch(CHECKOUT_KEY, () => ordersApi.fetchCheckout({ early: takeEarly('/api/orders/checkout/') }))
  }
}
