// The lost return: pay on the cashier, then close the cashier tab before it follows the return URL.
// Only the notify reaches the shop; the checkout page's polling must find the order paid and move to
// the success page. To prove it is the notify that paid it (and not the poll, which asks trade.query
// while the order is unpaid and would fulfil it too), the sandbox's trade.query answers ACQ.SYSTEM_ERROR
// throughout and the notify is held back for a few seconds after the payment; afterwards the shop's own
// record (PaymentEvent rows) must show the notify fulfilled the order and no query ever saw it paid.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, registerFresh, uiLogin, pickBuyableCourses, addFromCard,
  selectOnly, settledQuote, cashierUrl, api, sim, paymentEvents,
} from './helpers.mjs'

const NOTIFY_DELAY_SECONDS = 15

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('lost return: polling finds the order paid through the notify', { timeout: 180_000 }, async (t) => {
  const session = await newSession(browser, 'lost-return')
  const { context, snap } = session
  try {
    const user = await registerFresh() // a new student: owns nothing, no unpaid orders
    const page = await context.newPage()
    await uiLogin(page, user, '/courses')
    const [course] = await pickBuyableCourses(page, 1)
    assert.ok(course, 'there is a paid course to buy')
    await addFromCard(page, course)
    await selectOnly(page, [course.id])
    await page.getByTestId('cart-checkout').click()
    await page.waitForURL('**/order')
    await settledQuote(page)
    await snap(page, 'checkout')

    // From now on trade.query cannot tell the shop about any payment. The poll then answers 503 with
    // the gateway's error, which the browser logs; those, for this order's poll only, are expected.
    await sim('faults', { method: 'POST', body: { method: 'alipay.trade.query', kind: 'system_error', count: 100_000 } })
    const popupPromise = context.waitForEvent('page')
    await page.getByTestId('pay-button').click()
    const cashier = await popupPromise
    await page.getByTestId('pay-overlay').waitFor()
    const orderNumber = (await page.getByTestId('pay-order-number').innerText()).trim()
    session.allowErrors({
      url: new RegExp(`/api/payments/alipay/query/${orderNumber}/$`),
      text: /status of 503/,
      why: 'trade.query is faulted on purpose, so the poll answers 503 until the notify has paid the order',
    })
    // Pay, but never let this tab reach the shop's return page: the cashier's pay form answers
    // with a 302 to the return URL, which we swallow (the payment itself goes through).
    let returnLocation = null
    await cashier.route(/\/sandbox\/alipay\/cashier\/[^/]+\/(pay|confirm)$/, async (route) => {
      const res = await route.fetch({ maxRedirects: 0 })
      returnLocation = res.headers()['location'] || ''
      await route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: '<p id="return-swallowed">paid; return not followed</p>' })
    })
    await cashier.waitForURL((u) => cashierUrl(u.href), { timeout: 20_000 })
    await snap(cashier, 'cashier')
    // The cashier's page.pay created the sandbox trade: hold its payment notify back for a while.
    await sim(`trades/${orderNumber}/notify/delay-next`, { method: 'POST', body: { seconds: NOTIFY_DELAY_SECONDS } })

    await cashier.locator('#cashier-pay').click()
    await cashier.locator('#return-swallowed').waitFor()
    // A poll after the payment (they come at most 10 s apart), well inside the notify's delay.
    const failedPoll = page.waitForResponse(
      (r) => r.url().includes(`/api/payments/alipay/query/${orderNumber}/`) && r.status() === 503,
      { timeout: (NOTIFY_DELAY_SECONDS - 4) * 1000 },
    )
    assert.ok(returnLocation && returnLocation.includes('/alipay'), `the cashier wanted to return to /alipay (got ${returnLocation})`)
    await snap(cashier, 'cashier-after-pay')
    await cashier.close()

    // While the notify is held back: paid at the gateway, the poll asked and was refused, still unpaid here.
    const refused = await failedPoll
    t.diagnostic(`poll refused while the notify was held: ${JSON.stringify(await refused.json().catch(() => null))}`)
    const gateway = await sim(`trades/${orderNumber}`)
    assert.equal(gateway.status, 'TRADE_SUCCESS', 'the gateway has the payment')
    assert.equal(gateway.notifications.length, 1)
    assert.equal(gateway.notifications[0].attempts, 0, 'the notify has not been sent yet')
    const meanwhile = await api(`/orders/${orderNumber}/`, { token: user.access })
    assert.equal(meanwhile.data.order_status, 0, 'the shop does not know of the payment before the notify')
    assert.equal(await page.getByTestId('pay-overlay').getAttribute('data-state'), 'waiting')
    await snap(page, 'overlay-waiting-for-notify')

    // Polling backs off to 10 s at most; the notify comes NOTIFY_DELAY_SECONDS after the payment.
    await page.waitForURL('**/order/success/**', { timeout: 90_000 })
    await page.getByTestId('pay-success').waitFor({ timeout: 20_000 })
    const names = await page.getByTestId('success-course').allInnerTexts()
    assert.equal(names.length, 1)
    assert.ok(names[0].includes(course.name))
    await snap(page, 'success-by-polling')

    // The shop's record: the notify fulfilled it; every trade.query failed; no return ever arrived.
    const events = await paymentEvents(orderNumber)
    t.diagnostic(`payment events of ${orderNumber}: ${events.map((e) => `${e.kind}/${e.direction}:${e.outcome}`).join(', ')}`)
    const notifies = events.filter((e) => e.kind === 'notify' && e.direction === 'in')
    assert.equal(notifies.filter((e) => e.outcome === 'fulfilled').length, 1, 'one notify fulfilled the order')
    assert.ok(notifies.every((e) => e.verified === true && e.verdict === 'ok'), 'the notify verified')
    const queries = events.filter((e) => e.kind === 'query')
    assert.ok(queries.length >= 1, 'the poll asked trade.query')
    assert.deepEqual(queries.filter((e) => !e.outcome.startsWith('error')), [], 'no trade.query ever answered')
    assert.deepEqual(events.filter((e) => e.kind === 'return'), [], 'the return never reached the shop')
    const delivered = (await sim(`trades/${orderNumber}`)).notifications[0]
    assert.ok(delivered.attempt_log.some((a) => a.success && a.response_body === 'success'), 'the shop answered the notify "success"')

    await page.goto('/user/courses')
    await page.locator(`[data-testid=my-course][data-course-id="${course.id}"]`).waitFor()
    await snap(page, 'my-courses')
    session.assertNoBrowserErrors()
    assert.ok(session.allowedErrors.length >= 1, 'the refused poll was seen by the browser')
    // Stop faulting trade.query (again in finally, for a failed run): the following specs need it.
    const left = await sim('faults', { method: 'DELETE', body: { method: 'alipay.trade.query' } })
    assert.ok(!left.faults.some((f) => f.method === 'alipay.trade.query'), 'trade.query answers again')
  } finally {
    await sim('faults', { method: 'DELETE', body: { method: 'alipay.trade.query' } }).catch(() => {})
    await context.close()
  }
})
