import { describe, expect, it } from 'vitest'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'

const SRC = join(__dirname, '..', 'src')

function files(dir) {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name)
    return statSync(p).isDirectory() ? files(p) : [p]
  })
}

describe('house rule 1: no float arithmetic on money', () => {
  it('src/ never uses parseFloat or toFixed', () => {
    const offenders = files(SRC).filter((f) => /\b(parseFloat|toFixed)\b/.test(readFileSync(f, 'utf8')))
    expect(offenders).toEqual([])
  })
  it('only src/api talks HTTP (fetch, through api/client.js), and src/api imports no store, router or UI', () => {
    const all = files(SRC)
    const fetchUsers = all.filter((f) => /\bfetch\(|from ['"]axios['"]|api\/client['"]/.test(readFileSync(f, 'utf8')))
    expect(fetchUsers.filter((f) => !f.includes(`${join('src', 'api')}`))).toEqual([])
    const apiFiles = all.filter((f) => f.includes(join('src', 'api')))
    for (const f of apiFiles) {
      const text = readFileSync(f, 'utf8')
      expect(text, f).not.toMatch(/from ['"](@\/stores|\.\.\/stores|vue-router|element-plus|@\/router|\.\.\/router)/)
    }
  })
})
