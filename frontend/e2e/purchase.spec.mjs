// The whole purchase as the demo student: log in → add two courses → check out with a coupon →
// pay on the sandbox cashier in the new tab → the return page lists both → my courses shows them →
// my orders shows the paid order and its payment timeline (created, link issued, paid).
import { test, before, after } from 'node:test'
import { join } from 'node:path'
import {
  assert, launch, newSession, DEMO, apiLogin, cancelUnpaidOrders, unselectCart,
  uiLogin, pickBuyableCourses, addFromCard, selectOnly, settledQuote, payInNewTab,
} from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('purchase: two courses with a coupon, paid on the sandbox cashier', { timeout: 240_000 }, async (t) => {
  const session = await newSession(browser, 'purchase')
  const { context, snap, dir } = session
  try {
    // Fresh state where it matters: no unpaid order holds a coupon or a course, nothing selected.
    const tokens = await apiLogin(DEMO.mobile, DEMO.password)
    await cancelUnpaidOrders(tokens.access)
    await unselectCart(tokens.access)

    const page = await context.newPage()
    await uiLogin(page, DEMO, '/courses')
    await snap(page, 'logged-in-courses')
    assert.match(await page.getByTestId('user-name').innerText(), /\S/)

    const courses = await pickBuyableCourses(page, 2)
    if (courses.length < 2) {
      t.skip(`the demo student already owns all but ${courses.length} paid course(s); re-seed the shop`)
      return
    }
    await snap(page, 'course-list')

    for (const c of courses) {
      await addFromCard(page, c)
      await snap(page, `added-${c.id}`)
    }

    await selectOnly(page, courses.map((c) => c.id))
    await snap(page, 'cart')
    await page.getByTestId('cart-checkout').click()
    await page.waitForURL('**/order')
    await page.getByTestId('order-course-row').first().waitFor()
    const rowIds = await page.getByTestId('order-course-row').evaluateAll((els) => els.map((e) => Number(e.dataset.courseId)))
    assert.deepEqual([...rowIds].sort(), courses.map((c) => c.id).sort())
    const before = await settledQuote(page)
    await snap(page, 'checkout')

    const coupon = page.locator('[data-testid=coupon-option][data-disabled="0"]').first()
    if (!(await coupon.count())) {
      if (process.env.E2E_ALLOW_NO_COUPON !== '1') {
        assert.fail('the demo student has no usable coupon for these courses (run seed_demo, or set E2E_ALLOW_NO_COUPON=1)')
      }
      t.diagnostic('no usable coupon: paying without one')
    } else {
      // The best coupon is preselected (the first quote has it); without it the server's price is higher.
      assert.equal(await coupon.getAttribute('aria-pressed'), 'true', 'the best coupon is preselected')
      await page.getByTestId('coupon-none').click()
      await page.locator('[data-testid=coupon-option][aria-pressed="true"]').waitFor({ state: 'detached' })
      const without = await settledQuote(page)
      await coupon.click()
      await page.locator('[data-testid=coupon-option][aria-pressed="true"]').waitFor()
      const after = await settledQuote(page)
      t.diagnostic(`quote ${without} -> ${after} with the coupon`)
      assert.notEqual(after, without, 'the coupon should change the server quote')
      assert.equal(after, before, 'the preselected quote was the one with the coupon')
    }
    await snap(page, 'checkout-with-coupon')

    const cashier = await payInNewTab(page, context)
    await page.getByTestId('pay-overlay').waitFor()
    await page.getByTestId('pay-countdown').waitFor()
    await snap(page, 'pay-overlay')
    assert.equal(await cashier.locator('#cashier-order').getAttribute('data-cashier'), 'page', 'a desktop gets page pay')
    await snap(cashier, 'cashier')

    await cashier.locator('#cashier-pay').click()
    await cashier.waitForURL((u) => u.pathname === '/alipay', { timeout: 30_000 })
    await cashier.getByTestId('pay-success').waitFor({ timeout: 30_000 })
    await snap(cashier, 'return-success')
    const bought = await cashier.getByTestId('success-course').evaluateAll((els) => els.map((e) => e.textContent))
    assert.equal(bought.length, 2)
    for (const c of courses) assert.ok(bought.some((b) => b.includes(c.name)), `success page lists ${c.name}`)
    const orderNumber = (await cashier.getByTestId('success-order-number').innerText()).trim()
    assert.match(orderNumber, /^\w+$/, 'the return page names the order')

    // The checkout tab finds out too (polling) and leaves the overlay for the success page.
    await page.waitForURL('**/order/success/**', { timeout: 30_000 }).catch(() => {})
    await snap(page, 'checkout-tab-after-pay')

    await cashier.goto('/user/courses')
    await cashier.getByTestId('my-course').first().waitFor()
    const mine = await cashier.getByTestId('my-course').evaluateAll((els) => els.map((e) => Number(e.dataset.courseId)))
    for (const c of courses) assert.ok(mine.includes(c.id), `my courses shows course ${c.id}`)
    await snap(cashier, 'my-courses')

    await cashier.goto('/user/orders?status=1')
    await cashier.getByTestId('order-row').first().waitFor()
    await snap(cashier, 'my-orders-paid')

    // Its payment timeline: created → link issued → paid, oldest first, as the server tells it.
    const row = cashier.locator(`[data-testid=order-row][data-order-number="${orderNumber}"]`)
    await row.waitFor()
    assert.equal(await row.getAttribute('data-status'), '1')
    const toggle = row.getByTestId('order-row-timeline')
    await toggle.click()
    const timeline = row.getByTestId('order-timeline')
    await timeline.getByTestId('order-timeline-event').nth(2).waitFor()
    assert.equal(await toggle.getAttribute('aria-expanded'), 'true')
    const codes = await timeline.getByTestId('order-timeline-event').evaluateAll((els) => els.map((e) => e.dataset.code))
    t.diagnostic(`timeline of ${orderNumber}: ${codes.join(' → ')}`)
    for (const code of ['created', 'link_issued', 'paid']) assert.ok(codes.includes(code), `the timeline has a ${code} event`)
    assert.ok(codes.indexOf('created') < codes.indexOf('link_issued') && codes.indexOf('link_issued') < codes.indexOf('paid'),
      'oldest first: created, link_issued, paid')
    const realPrice = (await row.getByTestId('order-row-real-price').innerText()).trim()
    const paidAmount = (await timeline.locator('[data-testid=order-timeline-event][data-code=paid] [data-testid=order-timeline-amount]').innerText()).trim()
    assert.equal(paidAmount, realPrice, 'the paid event shows the amount paid')
    await row.scrollIntoViewIfNeeded()
    await snap(cashier, 'my-orders-timeline')
    await row.screenshot({ path: join(dir, 'my-orders-timeline-row.png') })

    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})
