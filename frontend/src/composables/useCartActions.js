import { ref } from 'vue'
import { useRoute, useRouter } from 'vue-router'
import { ElMessage } from 'element-plus/es/components/message/index.mjs'
import { errorMessage } from '@/api'
import { useAuthStore } from '@/stores/auth'
import { useCartStore } from '@/stores/cart'

/** "加入购物车" and "立即购买" for views; toasts stay in the view layer. */
export function useCartActions() {
  const auth = useAuthStore()
  const cart = useCartStore()
  const router = useRouter()
  const route = useRoute()
  /** @type {import('vue').Ref<Record<number, 'add' | 'buy'>>} course id -> what is running for it */
  const busy = ref({})

  function requireLogin() {
    if (auth.isLoggedIn) return true
    ElMessage.info('请先登录')
    router.push({ path: '/login', query: { next: route.fullPath } })
    return false
  }

  /** @param {{id: number, name: string}} course */
  async function addToCart(course) {
    if (!requireLogin() || busy.value[course.id]) return false
    busy.value = { ...busy.value, [course.id]: 'add' }
    try {
      await cart.add(course.id)
      ElMessage.success(`《${course.name}》已加入购物车`)
      return true
    } catch (e) {
      ElMessage.error(errorMessage(e, '加入购物车失败'))
      return false
    } finally {
      const { [course.id]: _, ...rest } = busy.value
      busy.value = rest
    }
  }

  /** @param {{id: number, name: string}} course */
  async function buyNow(course) {
    if (!requireLogin() || busy.value[course.id]) return false
    busy.value = { ...busy.value, [course.id]: 'buy' }
    try {
      await cart.buyNow(course.id)
      router.push('/order')
      return true
    } catch (e) {
      ElMessage.error(errorMessage(e, '下单失败'))
      return false
    } finally {
      const { [course.id]: _, ...rest } = busy.value
      busy.value = rest
    }
  }

  return { busy, addToCart, buyNow }
}
