import { beforeEach, describe, expect, it, vi } from 'vitest'
import { createPinia, setActivePinia } from 'pinia'

vi.mock('@/api/cart', () => ({
  fetchCart: vi.fn(),
  addToCart: vi.fn(),
  selectCourse: vi.fn(),
  selectAll: vi.fn(),
  removeFromCart: vi.fn(),
  fetchCartOrder: vi.fn(),
}))
import * as cartApi from '@/api/cart'
import { useCartStore } from '@/stores/cart'

const rows = () => [
  { id: 1, name: 'Python', price: '100.10', discount: {}, credit: 0, selected: true },
  { id: 2, name: 'Vue', price: '200.20', discount: { type: '限时折扣', price: '99.90', expire: 100 }, credit: 10, selected: true },
  { id: 3, name: 'Go', price: '0.30', discount: {}, credit: 0, selected: false },
]

beforeEach(() => {
  setActivePinia(createPinia())
  vi.resetAllMocks()
  cartApi.fetchCart.mockResolvedValue({ cart: rows() })
})

describe('cart store', () => {
  it('knows which courses are in the cart (已在购物车) through load, add and remove', async () => {
    const cart = useCartStore()
    expect(cart.has(1)).toBe(false)
    await cart.load()
    expect([cart.has(1), cart.has('3'), cart.has(4)]).toEqual([true, true, false])
    cartApi.addToCart.mockResolvedValue({ cart_total: 4 })
    await cart.add(4)
    expect(cart.has(4)).toBe(true)
    cartApi.removeFromCart.mockResolvedValue({})
    await cart.remove(1)
    expect(cart.has(1)).toBe(false)
    cart.reset()
    expect(cart.has(4)).toBe(false)
  })

  it('loads the cart and counts', async () => {
    const cart = useCartStore()
    await cart.load()
    expect(cart.items).toHaveLength(3)
    expect(cart.count).toBe(3)
    expect(cart.selectedItems.map((i) => i.id)).toEqual([1, 2])
    expect(cart.allSelected).toBe(false)
    expect(cart.someSelected).toBe(true)
  })

  it('sums the selected server prices in cents (discount price when active)', async () => {
    const cart = useCartStore()
    await cart.load()
    expect(cart.selectedTotal).toBe('200.00') // 100.10 + 99.90, exactly
    expect(cart.selectedOriginalTotal).toBe('300.30')
  })

  it('selects one with PATCH and rolls back on failure', async () => {
    const cart = useCartStore()
    await cart.load()
    cartApi.selectCourse.mockResolvedValueOnce({})
    await cart.setSelected(3, true)
    expect(cartApi.selectCourse).toHaveBeenCalledWith(3, true)
    expect(cart.allSelected).toBe(true)

    cartApi.selectCourse.mockRejectedValueOnce(new Error('boom'))
    await expect(cart.setSelected(1, false)).rejects.toThrow('boom')
    expect(cart.items.find((i) => i.id === 1).selected).toBe(true)
  })

  it('selects all with PUT', async () => {
    const cart = useCartStore()
    await cart.load()
    cartApi.selectAll.mockResolvedValueOnce({})
    await cart.setAllSelected(false)
    expect(cartApi.selectAll).toHaveBeenCalledWith(false)
    expect(cart.selectedItems).toHaveLength(0)
    expect(cart.selectedTotal).toBe('0.00')
  })

  it('adds (count from cart_total) and removes', async () => {
    const cart = useCartStore()
    await cart.load()
    cartApi.addToCart.mockResolvedValueOnce({ cart_total: 4 })
    await cart.add(9)
    expect(cartApi.addToCart).toHaveBeenCalledWith(9)
    expect(cart.count).toBe(4)
    cartApi.removeFromCart.mockResolvedValueOnce(undefined)
    await cart.remove(2)
    expect(cartApi.removeFromCart).toHaveBeenCalledWith(2)
    expect(cart.items.map((i) => i.id)).toEqual([1, 3])
    expect(cart.count).toBe(3)
  })

  it('buy now adds, then selects only that course', async () => {
    const cart = useCartStore()
    cartApi.addToCart.mockResolvedValueOnce({ cart_total: 3 })
    cartApi.selectAll.mockResolvedValue({})
    cartApi.selectCourse.mockResolvedValue({})
    await cart.buyNow(3)
    expect(cartApi.selectAll).toHaveBeenCalledWith(false)
    expect(cartApi.selectCourse).toHaveBeenCalledWith(3, true)
    expect(cart.selectedItems.map((i) => i.id)).toEqual([3])
  })

  it('buy now fails when the course cannot be added and is not in the cart', async () => {
    const cart = useCartStore()
    const err = Object.assign(new Error('bought'), { response: { status: 400, data: { errmsg: '已购买' } } })
    cartApi.addToCart.mockRejectedValueOnce(err)
    await expect(cart.buyNow(42)).rejects.toBe(err)
    expect(cartApi.selectAll).not.toHaveBeenCalled()
  })
})
