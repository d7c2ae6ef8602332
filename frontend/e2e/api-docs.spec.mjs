// /api/docs/ with no internet: the browser may reach the shop and nothing else, and Swagger UI still lists
// the operations (its files come from the shop's own static files, drf-spectacular-sidecar).
import { test, before, after } from 'node:test'
import { assert, launch, newSession, BASE } from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('api docs: Swagger UI loads and lists the operations with the network limited to the shop', { timeout: 60_000 }, async () => {
  const session = await newSession(browser, 'api-docs-offline')
  const { context, snap } = session
  const shop = new URL(BASE).host
  const refused = []
  // Every request to another host fails as it would offline (no DNS, no route); what tried is recorded.
  await context.route('**/*', (route) => {
    const url = new URL(route.request().url())
    if (url.host === shop) return route.continue()
    refused.push(url.href)
    return route.abort('internetdisconnected')
  })
  try {
    const page = await context.newPage()
    await page.goto('/api/docs/')
    await page.locator('.swagger-ui .opblock').first().waitFor()
    const paths = await page.locator('.swagger-ui .opblock-summary-path').allInnerTexts()
    const clean = paths.map((p) => p.replace(/\u200b/g, '').trim())
    for (const expected of ['/api/users/login/', '/api/users/logout/', '/api/orders/', '/api/cart/']) {
      assert.ok(clean.includes(expected), `${expected} is listed (got ${clean.length}: ${clean.slice(0, 8)}…)`)
    }
    assert.ok(clean.length >= 20, `every operation is listed, got ${clean.length}`)
    await snap(page, 'docs')
    assert.deepEqual(refused, [], 'the docs page asked for nothing outside the shop')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})
