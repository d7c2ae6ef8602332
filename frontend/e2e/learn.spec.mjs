// Studying what one bought (issue 16): a fresh student buys a course → the course page's 去学习 opens the study
// page → the player plays a lesson (video.currentTime advances, served by the signed media URL) → the progress
// shows on 我的课程 with 继续学习; the study page at 1366 px and 390 px. A non-owner sees the paid lessons locked
// and the owner's media URL answers them 403. The student asks for a refund on 我的课程, finance approves it in
// the admin, and the course stops playing at once (the URL signed before the refund is 403).
import { test, before, after } from 'node:test'
import {
  assert, launch, newSession, api, registerFresh, apiPaidOrder, staffUser, uiLogin,
} from './helpers.mjs'

const FINANCE = { username: 'e2e-learn-finance', password: 'Finance-learn-2026', group: 'finance' }

let browser
let student // the buyer: {mobile, password, access}
let course // the course bought: {id, name}
let order
before(async () => {
  browser = await launch()
  const catalogue = (await api('/courses/')).data.results
  const payable = (c) => !/^0+(\.0+)?$/.test(String((c.discount && c.discount.price) || c.price))
  course = catalogue.filter(payable)[0]
  assert.ok(course, 'a paid course in the catalogue (run seed_demo)')
  student = await registerFresh()
  order = await apiPaidOrder(student, [course.id])
})
after(async () => browser && (await browser.close()))

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

/** Play the video on the page (muted: headless autoplay rules) until currentTime has advanced past `seconds`. */
async function playFor(page, seconds) {
  const video = page.getByTestId('learn-video')
  await video.waitFor()
  await page.evaluate(() => {
    const v = document.querySelector('[data-testid=learn-video]')
    v.muted = true
    return v.play()
  })
  await page.waitForFunction((s) => document.querySelector('[data-testid=learn-video]').currentTime > s, seconds,
    { timeout: 20_000 })
  return page.evaluate(() => document.querySelector('[data-testid=learn-video]').currentTime)
}

test('learn: 去学习 → the player plays → progress on 我的课程; the study page at 1366 and 390 px', { timeout: 180_000 }, async () => {
  const session = await newSession(browser, 'learn-owner', { width: 1366, height: 900 })
  const { context, snap } = session
  try {
    const page = await context.newPage()
    await uiLogin(page, student, `/courses/${course.id}`)
    await page.getByTestId('course-bought').waitFor()
    await page.getByTestId('detail-learn').click()
    await page.waitForURL((u) => u.pathname === `/learn/${course.id}`)
    await page.getByTestId('learn-page').waitFor()
    const lessons = page.getByTestId('learn-lesson')
    assert.ok((await lessons.count()) >= 2, 'the outline lists the lessons')
    assert.equal(await page.getByTestId('learn-locked').count(), 0, 'the owner has no locked lesson')

    // The second lesson (not a free preview): the owner plays it to its end.
    await lessons.nth(1).click()
    await page.waitForFunction(() => new URL(location.href).searchParams.get('lesson'))
    const src = await page.getByTestId('learn-video').getAttribute('src')
    assert.match(src, /^\/api\/learn\/lessons\/\d+\/media\/\?sig=/, `a signed media URL: ${src}`)
    const reached = await playFor(page, 1.5)
    assert.ok(reached > 1.5, `currentTime advanced (${reached})`)
    await page.waitForFunction(() => document.querySelector('[data-testid=learn-video]').ended, null, { timeout: 20_000 })
    await page.locator('[data-testid=learn-lesson].active .tag.green').waitFor() // 已学完, from the server's answer
    const percent = await page.getByTestId('learn-percent').innerText()
    assert.match(percent, /已学 [1-9]\d*%/, `the study page shows progress: ${percent}`)
    await snap(page, 'study-1366')

    // next/previous move through the lessons.
    const played = await page.getByTestId('learn-video').getAttribute('data-lesson-id')
    await page.getByTestId('learn-next').click()
    await page.waitForFunction((id) => document.querySelector('[data-testid=learn-video]')?.dataset.lessonId !== id, played)
    await page.getByTestId('learn-prev').click()
    await page.waitForFunction((id) => document.querySelector('[data-testid=learn-video]')?.dataset.lessonId === id, played)

    // 我的课程: the percent and 继续学习 back to the lesson last studied.
    await page.goto('/user/courses')
    const row = page.locator(`[data-testid=my-course][data-course-id="${course.id}"]`)
    await row.waitFor()
    const shown = Number(await row.getByTestId('my-course-progress').getAttribute('data-percent'))
    assert.ok(shown > 0, `我的课程 shows the progress (${shown}%)`)
    assert.match(await row.getByTestId('my-course-refundable').innerText(), /可退款/)
    const learnButton = row.getByTestId('my-course-learn')
    assert.match(await learnButton.innerText(), /继续学习/)
    await snap(page, 'my-courses-progress')
    await learnButton.click()
    await page.waitForURL((u) => u.pathname === `/learn/${course.id}` && u.searchParams.has('lesson'))
    await page.getByTestId('learn-video').waitFor()
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }

  const phone = await newSession(browser, 'learn-390', { width: 390, height: 844 })
  try {
    const page = await phone.context.newPage()
    await uiLogin(page, student, `/learn/${course.id}`)
    await page.getByTestId('learn-page').waitFor()
    await playFor(page, 0.5)
    assert.ok((await overflow(page)) <= 0, `the study page fits 390 px (overflow ${await overflow(page)}px)`)
    await phone.snap(page, 'study-390')
    phone.assertNoBrowserErrors()
  } finally {
    await phone.context.close()
  }
})

test("learn: a non-owner plays only the free previews; the owner's lesson URL is 403 for them", { timeout: 120_000 }, async () => {
  const session = await newSession(browser, 'learn-non-owner', { width: 1366, height: 900 })
  const { context, snap } = session
  try {
    const owned = (await api(`/courses/${course.id}/lessons/`, { token: student.access })).data.lessons
    const paid = owned.find((l) => !l.free_trail)
    assert.ok(paid.play_url)

    const other = await registerFresh()
    const page = await context.newPage()
    await uiLogin(page, other, `/learn/${course.id}`)
    await page.getByTestId('learn-page').waitFor()
    await page.getByTestId('learn-video').waitFor() // the free preview plays
    await page.locator(`[data-testid=learn-lesson][data-lesson-id="${paid.id}"]`).click()
    await page.getByTestId('learn-locked').waitFor()
    await snap(page, 'locked-lesson')

    // The owner's URL, asked with the non-owner's credentials, and the lesson's media address unsigned.
    const stolen = await page.request.get(paid.play_url, { headers: { Authorization: `Bearer ${other.access}` } })
    assert.equal(stolen.status(), 403)
    assert.equal((await stolen.json()).code, 'media_wrong_user')
    const unsigned = await page.request.get(paid.play_url.split('?')[0])
    assert.equal(unsigned.status(), 403)
    assert.equal((await unsigned.json()).code, 'media_unsigned')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})

test('learn: a refund request approved in the admin takes the course away at once', { timeout: 180_000 }, async () => {
  const session = await newSession(browser, 'learn-refund', { width: 1366, height: 900 })
  const { context, snap } = session
  try {
    await staffUser(FINANCE.username, FINANCE.password, FINANCE.group)
    const page = await context.newPage()
    await uiLogin(page, student, '/user/courses')
    const row = page.locator(`[data-testid=my-course][data-course-id="${course.id}"]`)
    await row.getByTestId('my-course-request-refund').click()
    await page.getByTestId('refund-reason').fill('e2e：内容不适合我')
    await page.getByTestId('refund-submit').click()
    await row.getByTestId('my-course-refund-request').waitFor()
    assert.match(await row.getByTestId('my-course-refund-request').innerText(), /待审核/)
    await snap(page, 'refund-requested')
    const before = (await api(`/courses/${course.id}/lessons/`, { token: student.access })).data.lessons
    const signedBefore = before.find((l) => !l.free_trail).play_url
    assert.equal((await page.request.get(signedBefore)).status(), 200)

    // Finance approves it in the admin.
    const admin = await context.newPage()
    await admin.goto('/admin/login/?next=/admin/refund_requests/refundrequest/')
    await admin.locator('#id_username').fill(FINANCE.username)
    await admin.locator('#id_password').fill(FINANCE.password)
    await admin.locator('#login-form input[type=submit]').click()
    await admin.waitForURL((u) => u.pathname === '/admin/refund_requests/refundrequest/')
    const line = admin.locator('#result_list tbody tr', { hasText: order.order_number })
    assert.equal(await line.count(), 1, 'the request is listed')
    assert.match(await line.innerText(), /%（上限 30%）[\s\S]*政策内/, 'the list shows the progress, window and policy')
    await snap(admin, 'admin-requests')
    await line.locator('input.action-select').check()
    await admin.locator('select[name=action]').selectOption('approve')
    await admin.locator('button[name=index], input[name=index]').first().click()
    const message = await admin.locator('.messagelist').innerText()
    assert.match(message, /退款成功/, `approved and refunded: ${message}`)
    await snap(admin, 'admin-approved')

    // The URL signed before the refund no longer plays; the study page locks the paid lessons.
    session.allowErrors({ url: /\/api\/learn\/lessons\/\d+\/media\//, text: /status of 403/, why: 'the refunded course must not play' })
    const after = await page.request.get(signedBefore)
    assert.equal(after.status(), 403)
    assert.equal((await after.json()).code, 'lesson_forbidden')
    await page.goto(`/learn/${course.id}`)
    await page.getByTestId('learn-page').waitFor()
    const paid = before.find((l) => !l.free_trail)
    await page.locator(`[data-testid=learn-lesson][data-lesson-id="${paid.id}"]`).click()
    await page.getByTestId('learn-locked').waitFor()
    await page.goto('/user/courses')
    await page.locator('[data-testid=my-courses-empty]').waitFor()
    await snap(page, 'after-refund')
    session.assertNoBrowserErrors()
  } finally {
    await context.close()
  }
})
