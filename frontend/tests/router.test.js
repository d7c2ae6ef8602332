import { beforeAll, describe, expect, it } from 'vitest'
import { createMemoryHistory } from 'vue-router'
import { createAppRouter } from '@/router'

async function at(path, loggedIn) {
  const router = createAppRouter({ isLoggedIn: () => loggedIn, history: createMemoryHistory() })
  await router.push(path)
  return router.currentRoute.value
}

describe('router guard', () => {
  // Every page is a lazy import, and a navigation waits for its page: the first import of each compiles its SFC
  // and all it imports, which on a slow or busy CI host took longer than a test's 5 s. Compile them all once here
  // (every route's loader), so the tests below time the guard, not the compiler.
  beforeAll(async () => {
    const router = createAppRouter({ isLoggedIn: () => false, history: createMemoryHistory() })
    const loaders = router.getRoutes().flatMap((route) => Object.values(route.components || {}))
    await Promise.all(loaders.filter((load) => typeof load === 'function').map((load) => load()))
  }, 120_000)

  it('sends a page that needs login to /login?next=<path>', async () => {
    for (const path of ['/cart', '/order', '/user/orders?status=0', '/user/courses', '/user/credits']) {
      const r = await at(path, false)
      expect(r.path).toBe('/login')
      expect(r.query.next).toBe(path)
    }
  })
  it('lets public pages through', async () => {
    expect((await at('/', false)).name).toBe('home')
    expect((await at('/courses?page=2', false)).name).toBe('courses')
    expect((await at('/courses/3', false)).params.id).toBe('3')
  })
  it('lets a logged-in user in', async () => {
    expect((await at('/cart', true)).name).toBe('cart')
    expect((await at('/alipay?out_trade_no=1', true)).name).toBe('alipay')
  })
})
