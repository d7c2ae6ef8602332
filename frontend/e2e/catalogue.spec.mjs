// The catalogue as a new student sees it (issue #16 item 4), at 1366 px and at 390 px: covers are real pictures,
// the list is filtered by category, sorted and searched BY THE SERVER (what the page shows is what the API answers
// for the same query), the query lives in the URL (reload and Back keep it), and the course page numbers chapters
// once, shows lesson lengths as mm:ss, and its teacher with an avatar.
import { test, before, after } from 'node:test'
import { assert, launch, newSession, api } from './helpers.mjs'

let browser
before(async () => (browser = await launch()))
after(async () => browser && (await browser.close()))

const overflow = (page) => page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)

/** The course names the page shows, once the list for the current URL has loaded. */
async function shownNames(page) {
  await page.getByTestId('course-list').or(page.getByTestId('course-list-empty')).first().waitFor()
  await page.waitForFunction(() => !document.querySelector('[data-testid=course-list] .el-loading-mask:not([style*="none"])'))
  return page.getByTestId('course-name').allInnerTexts()
}

/** What the API answers for the same query (the page must show exactly this). */
async function apiNames(params) {
  const query = new URLSearchParams(params).toString()
  const { status, data } = await api(`/courses/?${query}`)
  assert.equal(status, 200, `GET /api/courses/?${query}`)
  return data.results.map((c) => c.name)
}

/** Every <img> of the page that is on screen has loaded a real picture. */
async function imagesLoaded(page, selector) {
  const sizes = await page.locator(selector).evaluateAll((imgs) =>
    Promise.all(imgs.map(async (img) => {
      img.loading = 'eager'
      if (!img.complete) await new Promise((r) => { img.onload = img.onerror = r })
      return [img.currentSrc, img.naturalWidth, img.naturalHeight]
    })))
  assert.ok(sizes.length > 0, `some ${selector}`)
  for (const [src, w, h] of sizes) assert.ok(w > 0 && h > 0, `${src} is a real picture (${w}×${h})`)
  return sizes
}

for (const [width, height] of [[1366, 900], [390, 844]]) {
  test(`catalogue at ${width}px: covers, category, sort and search on the server, in the URL; the course page`, { timeout: 150_000 }, async () => {
    const session = await newSession(browser, `catalogue-${width}`, { width, height })
    const { context, snap } = session
    try {
      const page = await context.newPage()
      await page.goto('/courses')
      assert.deepEqual(await shownNames(page), await apiNames({ page: 1 }), 'the default list')
      const covers = await imagesLoaded(page, '[data-testid=course-card] img.course-thumb')
      assert.equal(new Set(covers.map(([src]) => src)).size, covers.length, 'each course has its own cover')
      assert.equal(await page.locator('[data-testid=course-card] .fallback').count(), 0, 'no letter-on-gradient covers')
      assert.ok((await overflow(page)) <= 0, `the list fits ${width}px`)
      await snap(page, 'course-list')

      // A category: only its courses, as the server filters them; the URL says so.
      const categories = (await api('/courses/categories/')).data
      const database = categories.find((c) => c.name === '数据库')
      assert.ok(database, `the demo's 数据库 category: ${JSON.stringify(categories)}`)
      await page.locator(`[data-testid=category-filter][data-category-id="${database.id}"]`).click()
      await page.waitForURL((u) => u.searchParams.get('category') === String(database.id))
      const inCategory = await shownNames(page)
      assert.deepEqual(inCategory, await apiNames({ category: database.id }), 'the category as the server filters it')
      assert.ok(inCategory.length >= 2 && inCategory.every((n) => /MySQL|Redis/.test(n)), `only 数据库 courses: ${inCategory}`)
      await snap(page, 'course-list-category')

      // Sorted by price, highest first, within the category.
      await page.locator('[data-testid=course-sort][data-sort="-price"]').click()
      await page.waitForURL((u) => u.searchParams.get('ordering') === '-price')
      const byPrice = await shownNames(page)
      assert.deepEqual(byPrice, await apiNames({ category: database.id, ordering: '-price' }), 'sorted by the server')
      assert.deepEqual(byPrice, ['MySQL 性能优化', 'Redis 从入门到精通'], '299.00 before 199.00')

      // Search across every category (the category is cleared first), kept in the URL across a reload.
      await page.getByTestId('category-all').click()
      await page.waitForURL((u) => !u.searchParams.has('category'))
      await page.getByTestId('course-search').fill('django')
      await page.getByTestId('course-search').press('Enter')
      await page.waitForURL((u) => u.searchParams.get('search') === 'django')
      assert.deepEqual(await shownNames(page), ['Django 企业级项目实战'], 'the search finds the Django course')
      await page.reload()
      assert.deepEqual(await shownNames(page), ['Django 企业级项目实战'], 'a reload keeps the search')
      assert.equal(await page.getByTestId('course-search').inputValue(), 'django')
      await snap(page, 'course-list-search')
      // By the teacher's name too; nothing found says so.
      await page.goto('/courses?search=' + encodeURIComponent('王雨桐'))
      assert.deepEqual(await shownNames(page), await apiNames({ search: '王雨桐' }))
      assert.ok((await shownNames(page)).includes('Vue 3 前端工程化'))
      await page.goto('/courses?search=' + encodeURIComponent('没有这门课'))
      await page.getByTestId('course-list-empty').waitFor()
      await page.getByTestId('clear-filters').click()
      await page.waitForURL((u) => !u.searchParams.has('search'))
      assert.deepEqual(await shownNames(page), await apiNames({ page: 1 }), 'cleared: the whole list again')
      // Back returns to the previous query.
      await page.goBack()
      await page.getByTestId('course-list-empty').waitFor()

      // Popular first, then the course page of the first one.
      await page.goto('/courses?ordering=popular')
      assert.deepEqual(await shownNames(page), await apiNames({ ordering: 'popular' }))
      const django = (await api('/courses/?search=django')).data.results[0]
      await page.goto(`/courses/${django.id}`)
      await page.getByTestId('course-detail').waitFor()
      await imagesLoaded(page, '[data-testid=course-detail] img.course-thumb')
      await imagesLoaded(page, '[data-testid=course-teacher] img.avatar')
      assert.match(await page.getByTestId('course-teacher').innerText(), /李晓峰/)
      assert.ok((await page.getByTestId('course-description').innerText()).length > 20, 'a description')
      const chapters = await page.getByTestId('course-chapter-title').allInnerTexts()
      assert.ok(chapters.length >= 3, `chapters: ${chapters}`)
      chapters.forEach((title, i) => assert.match(title, new RegExp(`^第${i + 1}章 · [^第]`), `numbered once: ${title}`))
      assert.equal(new Set(chapters).size, chapters.length, 'distinct chapter titles')
      const lessons = await page.getByTestId('course-lesson-name').allInnerTexts()
      assert.equal(new Set(lessons).size, lessons.length, `distinct lesson titles: ${lessons}`)
      assert.ok(!lessons.some((l) => /课时$/.test(l)), `no "1.1 课时" placeholders: ${lessons}`)
      const durations = await page.getByTestId('lesson-duration').allInnerTexts()
      assert.equal(durations.length, lessons.length, 'every lesson shows its length')
      for (const d of durations) assert.match(d, /^\d{2}:\d{2}$/, `mm:ss: ${d}`)
      assert.ok((await overflow(page)) <= 0, `the course page fits ${width}px`)
      await snap(page, 'course-detail')
      session.assertNoBrowserErrors()
    } finally {
      await context.close()
    }
  })
}
