// The operators' admin in a browser (issue 8): staff of the data-migration groups log in to /admin/.
// A paid order (two courses, paid through the sandbox and its notify) is found by its number; its page
// shows the payment event timeline and the refunds. Finance sees the refund button and form and refunds
// one course; support sees the same page (with that refund) but no refund button, gets 403 on the refund
// URL, and a refund posted by hand is refused with nothing stored.
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, api, registerFresh, apiPaidOrder, staffUser, shopPython,
} from './helpers.mjs'

const FINANCE = { username: 'e2e-finance', password: 'Finance-e2e-2026', group: 'finance' }
const SUPPORT = { username: 'e2e-support', password: 'Support-e2e-2026', group: 'support' }

let browser
let order // the paid order: {order_number, courses, ...}
let courses // the two courses bought: [{id, name, price}]
let changePath // /admin/orders/order/<pk>/change/
before(async () => {
  browser = await launch()
  for (const staff of [FINANCE, SUPPORT]) {
    const made = await staffUser(staff.username, staff.password, staff.group)
    assert.equal(made.perms.includes('payments.can_refund'), staff.group === 'finance', `${staff.group} permissions`)
  }
  // Two paid courses bought by a fresh student, paid at the sandbox (its notify fulfils the order).
  const catalogue = (await api('/courses/')).data.results
  const payable = (c) => !/^0+(\.0+)?$/.test(String((c.discount && c.discount.price) || c.price))
  courses = catalogue.filter(payable).slice(0, 2)
  assert.equal(courses.length, 2, 'two paid courses in the catalogue (run seed_demo)')
  const student = await registerFresh()
  order = await apiPaidOrder(student, courses.map((c) => c.id))
})
after(async () => browser && (await browser.close()))

async function adminLogin(page, staff) {
  await page.goto('/admin/login/?next=/admin/')
  await page.locator('#id_username').fill(staff.username)
  await page.locator('#id_password').fill(staff.password)
  await page.locator('#login-form input[type=submit]').click()
  await page.waitForURL((u) => u.pathname === '/admin/')
  assert.match(await page.locator('#user-tools').innerText(), new RegExp(staff.username, 'i'), 'logged in as this staff user')
}

/** The order's admin page, found the way an operator would: search by its number, open the row. */
async function openOrder(page, snap, who) {
  await page.goto(`/admin/orders/order/?q=${order.order_number}`)
  const link = page.locator('#result_list tbody tr th a', { hasText: order.order_number })
  assert.equal(await link.count(), 1, 'the search finds the order by its number')
  await snap(page, `${who}-search`)
  await link.click()
  await page.locator('#payment-timeline').waitFor()
  changePath = new URL(page.url()).pathname
  assert.match(changePath, /^\/admin\/orders\/order\/\d+\/change\/$/)
  const timeline = await page.locator('#payment-timeline tbody tr').allInnerTexts()
  assert.ok(timeline.some((r) => /支付链接/.test(r)), `the timeline has the pay link: ${timeline}`)
  assert.ok(timeline.some((r) => /异步通知/.test(r) && /收到/.test(r) && /fulfilled/.test(r)),
    `the timeline has the notify that fulfilled it: ${timeline}`)
  assert.match(await page.locator('body').innerText(), /退款记录/, 'the refunds are shown')
  return timeline
}

test('admin: finance sees the refund form and refunds one course', { timeout: 120_000 }, async () => {
  // 1366 px: the laptop screen finance works on (issue #16: the lists must fit it)
  const session = await newSession(browser, 'admin-finance', { width: 1366, height: 800 })
  const { context, snap } = session
  try {
    const page = await context.newPage()
    await adminLogin(page, FINANCE)
    await page.locator('#revenue-chart svg').waitFor()
    assert.match(await page.locator('#revenue-chart').innerText(), /收入 \d+\.\d\d 元/, 'the index shows the revenue chart')
    await snap(page, 'finance-index')
    await openOrder(page, snap, 'finance')
    await snap(page, 'finance-order')

    await page.locator('#order-refund-link').click()
    const form = page.locator('#refund-form')
    await form.waitFor()
    const boxes = form.locator('input[type=checkbox][name=course_ids]')
    assert.equal(await boxes.count(), 2, 'both courses can be refunded')
    for (const box of await boxes.all()) assert.equal(await box.isChecked(), false, 'the form starts with nothing ticked')
    await snap(page, 'finance-refund-form')
    // Refund the second course only: tick it, then confirm the money and credits it sends back.
    await form.locator(`#course-${courses[1].id}`).check()
    await form.locator('#id_remark').fill('e2e：部分退款')
    await form.locator('input[type=submit]').click()
    const confirm = page.locator('#refund-confirm')
    await confirm.waitFor()
    assert.match(await confirm.innerText(), new RegExp(courses[1].name), 'the confirmation names the course')
    assert.doesNotMatch(await confirm.innerText(), new RegExp(courses[0].name), 'and only that course')
    assert.match(await page.locator('#refund-total-money').innerText(), /^\d+\.\d\d$/, 'the total money is shown')
    assert.match(await page.locator('#refund-total-credit').innerText(), /^\d+$/, 'the credits are shown')
    const none = await shopPython(
      `from luffycityapi.apps.payments.models import Refund
result = Refund.objects.filter(order__order_number=args["order"]).count()`,
      { order: order.order_number },
    )
    assert.equal(none, 0, 'nothing is refunded before the confirmation')
    await snap(page, 'finance-refund-confirm')
    await page.locator('#refund-confirm-form input[type=submit]').click()
    await page.waitForURL((u) => u.pathname === changePath)
    const message = await page.locator('.messagelist').innerText()
    assert.match(message, /退款成功/, `the refund succeeded: ${message}`)
    const refunds = await shopPython(
      `from luffycityapi.apps.payments.models import Refund
result = list(Refund.objects.filter(order__order_number=args["order"]).values("status", "course_ids", "amount", "operator__username"))`,
      { order: order.order_number },
    )
    assert.equal(refunds.length, 1)
    assert.deepEqual(refunds[0].course_ids.map(Number), [courses[1].id])
    assert.equal(refunds[0].status, 1)
    assert.equal(refunds[0].operator__username, FINANCE.username)
    const timeline = await page.locator('#payment-timeline tbody tr').allInnerTexts()
    assert.ok(timeline.some((r) => /退款/.test(r) && /发出/.test(r)), `the refund call is on the timeline: ${timeline}`)
    const refundRows = await page.locator('.inline-group', { hasText: '退款记录' }).locator('tbody tr').allInnerTexts()
    assert.ok(refundRows.some((r) => r.includes(courses[1].name) && r.includes(FINANCE.username)),
      `the refund shows the course's name and the operator: ${refundRows}`)
    await snap(page, 'finance-after-refund')
    // The lists finance and support work in fit the 1366 px screen: no sideways scrolling.
    for (const [list, step] of [['orders/order', 'orders'], ['payments/paymentevent', 'events'], ['payments/refund', 'refunds']]) {
      await page.goto(`/admin/${list}/`)
      await page.locator('#result_list').waitFor()
      const [scroll, view] = await page.evaluate(() => [document.documentElement.scrollWidth, window.innerWidth])
      assert.ok(scroll <= view, `/admin/${list}/ fits ${view} px (content is ${scroll} px wide)`)
      // the results table scrolls inside its own box: every column must be visible without that scrolling
      const [table, box] = await page.locator('#changelist .results').evaluate((el) => [el.scrollWidth, el.clientWidth])
      assert.ok(table <= box, `/admin/${list}/'s columns fit (table ${table} px in ${box} px)`)
      await snap(page, `finance-list-${step}`)
    }
    assert.match(await page.locator('#result_list').innerText(), new RegExp(courses[1].name), 'the refund list names the course')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})

test('admin: support sees the order and its refunds but cannot refund', { timeout: 120_000 }, async () => {
  const session = await newSession(browser, 'admin-support')
  const { context, snap } = session
  try {
    const page = await context.newPage()
    await adminLogin(page, SUPPORT)
    await snap(page, 'support-index')
    await openOrder(page, snap, 'support')
    assert.equal(await page.locator('#order-refund-link').count(), 0, 'no refund button for support')
    const refundRows = await page.locator('.inline-group', { hasText: '退款记录' }).locator('tbody tr').allInnerTexts()
    assert.ok(refundRows.some((r) => /退款成功/.test(r)), `support sees finance's refund: ${refundRows}`)
    await snap(page, 'support-order')

    const refundPath = changePath.replace(/change\/$/, 'refund/')
    session.allowErrors({
      url: new RegExp(`${refundPath}$`),
      text: /status of 403/,
      why: 'support opens the refund URL on purpose: 403',
    })
    const res = await page.goto(refundPath)
    assert.equal(res.status(), 403, 'the refund form is forbidden to support')
    await snap(page, 'support-refund-403')

    // A refund posted by hand (with a valid CSRF token) is refused too, and nothing is stored.
    await page.goto(changePath)
    const csrf = (await context.cookies()).find((c) => c.name === 'csrftoken')
    assert.ok(csrf, 'the admin set its CSRF cookie')
    const posted = await page.request.post(refundPath, {
      form: { csrfmiddlewaretoken: csrf.value, course_ids: String(courses[0].id), out_request_no: 'E2ESUPPORT1', remark: 'x' },
      headers: { Referer: new URL(changePath, page.url()).href },
      maxRedirects: 0,
    })
    assert.equal(posted.status(), 403, 'posting a refund is forbidden to support')
    const stored = await shopPython(
      `from luffycityapi.apps.payments.models import Refund
result = Refund.objects.filter(order__order_number=args["order"]).count()`,
      { order: order.order_number },
    )
    assert.equal(stored, 1, 'only finance\'s refund exists')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})
