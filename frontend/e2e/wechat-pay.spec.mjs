// WeChat Pay Native end to end: a fresh student's pay_type 1 order → "去支付" in my orders → the overlay draws the
// code_url as a QR code with the countdown → "打开模拟扫码页" (the local WeChat Pay sandbox plays the phone) →
// 确认支付 → the sandbox's signed, encrypted notify fulfils it → the overlay's poll goes to the success page, and
// the order's timeline names 微信支付.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, registerFresh, api, uiLogin, pickBuyableCourses, addFromCard, selectOnly, settledQuote,
  expectWechatQr, payOnScanPage,
} from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

test('wechat pay: scan page pays, success page lists the course', { timeout: 180_000 }, async (t) => {
  const session = await newSession(browser, 'wechat-pay')
  const { context, snap } = session
  try {
    const user = await registerFresh()
    let course = null
    for (let p = 1; p <= 10 && !course; p++) {
      const r = await api(`/courses/?page=${p}`)
      if (r.status !== 200) break
      course = (r.data.results || []).find(
        (c) => Number(c.price) > 0 && (!c.discount || !Object.keys(c.discount).length),
      )
      if (!r.data.next) break
    }
    assert.ok(course, 'the demo catalogue has a course with a price')
    const added = await api('/cart/', { method: 'POST', token: user.access, body: { course_id: course.id } })
    assert.equal(added.status, 201, JSON.stringify(added.data))
    const created = await api('/orders/', {
      method: 'POST', token: user.access, body: { pay_type: 1, user_coupon_id: -1, credit: 0 },
    })
    assert.equal(created.status, 201, `the order API accepts pay_type 1: ${JSON.stringify(created.data)}`)
    const orderNumber = created.data.order_number

    const page = await context.newPage()
    await uiLogin(page, user, '/user/orders?status=0')
    const row = page.getByTestId('order-row').filter({ hasText: orderNumber })
    await row.waitFor()
    await snap(page, 'unpaid-order')
    await row.getByTestId('order-row-pay').click()
    await page.getByTestId('pay-overlay').waitFor()
    const qr = page.getByTestId('pay-qr')
    await qr.waitFor()
    assert.match(await qr.getAttribute('data-code-url'), /^weixin:\/\/wxpay\/bizpayurl\?pr=/)
    await page.getByTestId('pay-countdown').waitFor()
    assert.equal(context.pages().length, 1, 'no cashier tab: the buyer scans')
    await snap(page, 'qr-overlay')

    const [phone] = await Promise.all([context.waitForEvent('page'), page.getByTestId('pay-sandbox-scan').click()])
    await phone.locator('#scan-pay').waitFor()
    assert.equal(await phone.locator('#scan-out-trade-no').innerText(), orderNumber)
    await snap(phone, 'scan-page')
    await phone.locator('#scan-pay').click()
    await phone.locator('#scan-paid').waitFor()
    await snap(phone, 'scan-paid')

    await page.waitForURL('**/order/success/**', { timeout: 60_000 })
    await page.getByTestId('pay-success').waitFor()
    assert.deepEqual(await page.getByTestId('success-course').allInnerTexts(), [`《${course.name}》`])
    await snap(page, 'success')

    const timeline = await api(`/orders/${orderNumber}/timeline/`, { token: user.access })
    assert.equal(timeline.status, 200)
    assert.ok(JSON.stringify(timeline.data).includes('微信支付'), 'the timeline names WeChat Pay')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})

// The checkout's own choice: a student puts a course in the cart, picks 微信支付 among the quote's pay_types on the
// checkout page, clicks 去支付 and scans the overlay's QR code on the sandbox scan page; the overlay's polling takes
// the page to the success page. At a laptop's 1366 px and a phone's 390 px.
const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

for (const [width, height] of [[1366, 900], [390, 844]]) {
  test(`wechat pay chosen at checkout (${width}px): QR overlay → scan page pays → success`, { timeout: 180_000 }, async (t) => {
    const session = await newSession(browser, `wechat-checkout-${width}`, { width, height })
    const { context, snap } = session
    try {
      const user = await registerFresh()
      const page = await context.newPage()
      await uiLogin(page, user, '/courses')
      const [course] = await pickBuyableCourses(page, 1)
      if (!course) {
        t.skip('no buyable course in this shop')
        return
      }
      await addFromCard(page, course)
      await selectOnly(page, [course.id])
      await page.getByTestId('cart-checkout').click()
      await page.waitForURL('**/order')
      const price = await settledQuote(page)

      const wechat = page.getByTestId('pay-method-1')
      await wechat.waitFor()
      assert.match(await wechat.innerText(), /微信支付/)
      await wechat.click()
      await page.locator('[data-testid=pay-method-1].is-checked').waitFor()
      assert.equal(await settledQuote(page), price, 'the way to pay does not change the amount')
      assert.ok((await overflow(page)) <= 0, `the checkout fits ${width}px`)
      await snap(page, `checkout-wechat-chosen-${width}`)

      await page.getByTestId('pay-button').click()
      const orderNumber = await expectWechatQr(page, context)
      const order = await api(`/orders/${orderNumber}/`, { token: user.access })
      assert.equal(order.status, 200, JSON.stringify(order.data))
      assert.equal(order.data.pay_type, 1, 'the order is placed with the chosen way to pay')
      const box = await page.locator('[data-testid=pay-overlay] .box').boundingBox()
      assert.ok(box && box.x >= 0 && box.x + box.width <= width, `the overlay fits the screen (${JSON.stringify(box)})`)
      await snap(page, `qr-overlay-${width}`)

      await payOnScanPage(page, context, orderNumber)

      await page.waitForURL('**/order/success/**', { timeout: 60_000 })
      await page.getByTestId('pay-success').waitFor()
      assert.deepEqual(await page.getByTestId('success-course').allInnerTexts(), [`《${course.name}》`])
      await snap(page, `success-${width}`)
      const paid = await api(`/orders/${orderNumber}/`, { token: user.access })
      assert.equal(paid.data.order_status, 1, 'the order is paid')
      session.assertNoBrowserErrors()
    } finally {
      await context.close()
    }
  })
}
