// The checkout page loads with one request (issue #17 item 5): going from the cart to /order asks the API exactly
// once, GET /api/orders/checkout/, for the lines, the usable coupons, the credits and the first quote; choosing
// credits afterwards still asks POST /api/orders/quote/ as before.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, api, registerFresh, uiLogin, settledQuote,
} from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('checkout: the page loads with one API request', { timeout: 120_000 }, async () => {
  const session = await newSession(browser, 'checkout-load')
  const { context, snap } = session
  try {
    const student = await registerFresh()
    const listed = await api('/courses/')
    const course = listed.data.results.find((c) => c.price !== '0.00') || listed.data.results[0]
    const added = await api('/cart/', { method: 'POST', token: student.access, body: { course_id: course.id } })
    assert.equal(added.status, 201, JSON.stringify(added.data))

    const page = await context.newPage()
    await uiLogin(page, student, '/cart')
    await page.getByTestId('cart-list').waitFor()
    await page.waitForLoadState('networkidle')

    const requests = []
    page.on('request', (request) => {
      const url = new URL(request.url())
      if (url.pathname.startsWith('/api/')) requests.push(`${request.method()} ${url.pathname}`)
    })
    await page.getByTestId('cart-checkout').click()
    await page.waitForURL('**/order')
    await page.getByTestId('order-course-row').first().waitFor()
    const shown = await settledQuote(page)
    await page.waitForLoadState('networkidle')
    await snap(page, 'checkout-loaded')

    assert.deepEqual(requests, ['GET /api/orders/checkout/'], 'the checkout page asks the API once')
    assert.match(shown, /^¥/)
    const rowIds = await page.getByTestId('order-course-row').evaluateAll((els) => els.map((e) => Number(e.dataset.courseId)))
    assert.deepEqual(rowIds, [course.id])

    // A change still asks the server for its price, as before: switching to credits re-quotes.
    requests.length = 0
    await page.getByTestId('discount-type-credit').click()
    await settledQuote(page)
    await page.waitForLoadState('networkidle')
    assert.deepEqual(requests, ['POST /api/orders/quote/'], 'a change re-asks the quote, once')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})
