// Money shown right (#16 item 5), in Debian's Chromium against the running shop: a partial refund is visible on the
// order card (and under the 部分退款 tab); the coupon's validity is the same Beijing time whether the browser runs in
// New York or Shanghai; a ¥0 checkout says 免费领取; a course in the cart says 已在购物车; the header masks the phone.
// Screenshots at 1366 px and 390 px in e2e-artifacts/money-*/.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, registerFresh, api, apiPaidOrder, shopPython, uiLogin, settledQuote, unselectCart,
} from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

const WIDTHS = [
  { tag: '1366', width: 1366, height: 900 },
  { tag: '390', width: 390, height: 844 },
]

/** Courses of the shop with something to pay (list price above 0 and no discount down to 0). */
async function paidCourses(want) {
  const found = []
  for (let p = 1; p <= 10 && found.length < want; p++) {
    const r = await api(`/courses/?page=${p}`)
    if (r.status !== 200) break
    for (const c of r.data.results || []) {
      const price = c.discount && c.discount.price !== undefined ? c.discount.price : c.price
      if (!/^0+(\.0+)?$/.test(String(price))) found.push(c)
    }
    if (!r.data.next) break
  }
  assert.ok(found.length >= want, `the shop has ${want} courses with a price (run seed_demo)`)
  return found.slice(0, want)
}

/** A coupon kind made for this test and granted to the student (the shop's own grant service). */
function grantCoupon(mobile, { name, amount, condition = '0.00', end }) {
  return shopPython(
    `from datetime import datetime, timedelta
from decimal import Decimal
from django.utils import timezone
from luffycityapi.apps.coupon.models import Coupon
from luffycityapi.apps.coupon.services import coupon_grant
from luffycityapi.apps.users.models import User
coupon = Coupon.objects.create(name=args["name"], amount=Decimal(args["amount"]), condition=Decimal(args["condition"]),
                               start_time=timezone.now() - timedelta(days=1), end_time=datetime.fromisoformat(args["end"]))
log = coupon_grant(coupon_id=coupon.id, user_id=User.objects.get(mobile=args["mobile"]).id)
result = {"user_coupon_id": log.id}`,
    { mobile, name, amount, condition, end },
  )
}

async function cartOnly(user, courseId) {
  const added = await api('/cart/', { method: 'POST', token: user.access, body: { course_id: courseId } })
  assert.equal(added.status, 201, `add ${courseId} to the cart: ${JSON.stringify(added.data)}`)
  await unselectCart(user.access)
  await api('/cart/', { method: 'PATCH', token: user.access, body: { course_id: courseId, selected: true } })
}

test('money: a partial refund is visible on the order card and under 部分退款', { timeout: 180_000 }, async () => {
  const user = await registerFresh()
  const [a, b] = await paidCourses(2)
  const order = await apiPaidOrder(user, [a.id, b.id])
  const refund = await shopPython(
    `from luffycityapi.apps.orders.models import Order
from luffycityapi.apps.payments import refunds
order = Order.objects.get(order_number=args["order"])
refund = refunds.refund_courses(order_id=order.id, course_ids=[args["course"]], out_request_no=refunds.new_request_no())
result = {"status": refund.status, "amount": str(refund.amount), "credit": refund.credit}`,
    { order: order.order_number, course: b.id },
  )
  assert.equal(refund.status, 1, `the refund succeeded at the sandbox: ${JSON.stringify(refund)}`)

  for (const { tag, width, height } of WIDTHS) {
    const session = await newSession(browser, `money-partial-refund-${tag}`, { width, height })
    const { context, snap } = session
    try {
      const page = await context.newPage()
      await uiLogin(page, user, '/user/orders')
      await page.getByTestId('order-status-tab').filter({ hasText: '部分退款' }).click()
      await page.waitForURL((u) => u.searchParams.get('status') === 'partial')
      const card = page.locator(`[data-testid=order-row][data-order-number="${order.order_number}"]`)
      await card.waitFor()
      assert.equal(await page.getByTestId('order-row').count(), 1, 'only the partly refunded order is listed')
      assert.equal((await card.getByTestId('order-row-status').innerText()).trim(), '部分退款')
      const line = card.locator(`[data-testid=order-row-course][data-course-id="${b.id}"]`)
      assert.equal(await line.getAttribute('data-refund'), 'refunded')
      assert.equal((await line.getByTestId('order-row-course-refund-badge').innerText()).trim(), '已退款')
      assert.equal((await line.getByTestId('order-row-course-refund-amount').innerText()).trim(), `¥${refund.amount}`)
      const kept = card.locator(`[data-testid=order-row-course][data-course-id="${a.id}"]`)
      assert.equal(await kept.getByTestId('order-row-course-refund').count(), 0, 'the other course is not refunded')
      assert.match(await card.getByTestId('order-row-refunded').innerText(), new RegExp(`已退款 ¥${refund.amount.replace('.', '\\.')}`))
      assert.equal((await card.getByTestId('order-row-amount-label').innerText()).trim(), '实付')
      await snap(page, 'order-card-partial-refund')
      session.assertNoBrowserErrors()
    } finally {
      await context.close()
    }
  }
})

test('money: coupon validity is the same Beijing time in New York and in Shanghai', { timeout: 180_000 }, async () => {
  const user = await registerFresh()
  const [course] = await paidCourses(1)
  // Valid until 23:59:59 Beijing time on 31 Jan 2030 = 15:59:59 UTC = 10:59:59 in New York.
  await grantCoupon(user.mobile, { name: 'e2e 时区券', amount: '0.01', end: '2030-01-31T15:59:59+00:00' })
  await grantCoupon(user.mobile, { name: 'e2e 满额券', amount: '5.00', condition: '999999.00', end: '2030-02-01T00:00:00+08:00' })
  await cartOnly(user, course.id)

  const zones = [
    { timezoneId: 'America/New_York', ...WIDTHS[0] },
    { timezoneId: 'Asia/Shanghai', ...WIDTHS[1] },
    { timezoneId: 'America/New_York', ...WIDTHS[1] },
  ]
  for (const { timezoneId, tag, width, height } of zones) {
    const session = await newSession(browser, `money-coupon-validity-${timezoneId.replace('/', '-')}-${tag}`, { width, height, timezoneId })
    const { context, snap } = session
    try {
      const page = await context.newPage()
      await uiLogin(page, user, '/order')
      assert.equal(await page.evaluate(() => Intl.DateTimeFormat().resolvedOptions().timeZone), timezoneId)
      await settledQuote(page)
      const coupon = page.locator('[data-testid=coupon-option]', { hasText: 'e2e 时区券' })
      assert.equal(await coupon.getAttribute('aria-pressed'), 'true', 'the only usable coupon is preselected')
      assert.equal((await coupon.getByTestId('coupon-valid-until').innerText()).trim(), '有效期至 2030-01-31 23:59（北京时间）')
      const grey = page.locator('[data-testid=coupon-unusable]', { hasText: 'e2e 满额券' })
      assert.equal(await grey.getAttribute('data-reason-code'), 'coupon_condition_unmet')
      assert.match(await grey.getByTestId('coupon-unusable-reason').innerText(), /未满足优惠券使用条件/)
      assert.match(await grey.innerText(), /2030-02-01 00:00（北京时间）/)
      await snap(page, 'checkout-coupons')
      session.assertNoBrowserErrors()
    } finally {
      await context.close()
    }
  }
})

test('money: a ¥0 checkout says 免费领取 and takes the course without the cashier', { timeout: 120_000 }, async () => {
  const user = await registerFresh()
  const [course] = await paidCourses(1)
  await grantCoupon(user.mobile, { name: 'e2e 全额券', amount: '99999.00', end: '2030-01-31T15:59:59+00:00' })
  await cartOnly(user, course.id)
  for (const { tag, width, height } of WIDTHS) {
    const session = await newSession(browser, `money-free-checkout-${tag}`, { width, height })
    const { context, snap } = session
    try {
      const page = await context.newPage()
      await uiLogin(page, user, '/order')
      assert.equal(await settledQuote(page), '¥0.00', 'the best coupon (preselected) covers the whole price')
      assert.equal((await page.getByTestId('pay-button').innerText()).replace(/\s/g, ''), '免费领取')
      assert.doesNotMatch(await page.getByTestId('order-summary').innerText(), /支付宝/)
      await snap(page, 'checkout-free')
      if (tag === '390') {
        await page.getByTestId('pay-button').click()
        await page.waitForURL('**/order/success/**')
        await page.getByTestId('pay-success').waitFor()
        assert.equal(await page.getByTestId('success-real-price').innerText(), '¥0.00')
        assert.equal(context.pages().length, 1, 'no cashier tab was opened')
        await snap(page, 'free-success')
      }
      session.assertNoBrowserErrors()
    } finally {
      await context.close()
    }
  }
})

test('money: 已在购物车 on the course page and card; the header masks the phone', { timeout: 120_000 }, async () => {
  const user = await registerFresh()
  const [course] = await paidCourses(1)
  const masked = `${user.mobile.slice(0, 3)}****${user.mobile.slice(-4)}`
  for (const { tag, width, height } of WIDTHS) {
    const session = await newSession(browser, `money-in-cart-${tag}`, { width, height })
    const { context, snap } = session
    try {
      const page = await context.newPage()
      await uiLogin(page, user, `/courses/${course.id}`)
      await page.getByTestId('course-detail').waitFor()
      if (tag === '1366') {
        assert.equal((await page.getByTestId('detail-add-to-cart').innerText()).trim(), '加入购物车')
        await page.getByTestId('detail-add-to-cart').click()
      }
      await page.getByTestId('detail-in-cart').waitFor() // after adding, and on a fresh load later
      assert.equal((await page.getByTestId('detail-in-cart').innerText()).trim(), '已在购物车')
      assert.equal(await page.getByTestId('detail-add-to-cart').count(), 0)
      if (width > 640) {
        assert.equal((await page.getByTestId('user-name').innerText()).trim(), masked)
      }
      assert.equal(await page.getByTestId('user-name').getAttribute('title'), masked)
      await snap(page, 'course-in-cart')
      await page.goto('/courses')
      await page.locator('[data-testid=course-list][data-bought-known="1"]').waitFor()
      const card = page.locator(`[data-testid=course-card][data-course-id="${course.id}"]`)
      if (await card.count()) {
        assert.equal((await card.getByTestId('in-cart').innerText()).trim(), '已在购物车')
        await card.scrollIntoViewIfNeeded()
      }
      await snap(page, 'course-list')
      session.assertNoBrowserErrors()
    } finally {
      await context.close()
    }
  }
})
