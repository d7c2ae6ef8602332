// Register only the Element Plus parts the shop uses (keeps the bundle small).
// Styles: the theme base plus each used component's stylesheet (also for ElMessage / ElMessageBox,
// which views import directly).
import 'element-plus/theme-chalk/base.css'
import 'element-plus/theme-chalk/el-badge.css'
import 'element-plus/theme-chalk/el-button.css'
import 'element-plus/theme-chalk/el-checkbox.css'
import 'element-plus/theme-chalk/el-empty.css'
import 'element-plus/theme-chalk/el-form.css'
import 'element-plus/theme-chalk/el-form-item.css'
import 'element-plus/theme-chalk/el-icon.css'
import 'element-plus/theme-chalk/el-input.css'
import 'element-plus/theme-chalk/el-input-number.css'
import 'element-plus/theme-chalk/el-loading.css'
import 'element-plus/theme-chalk/el-pagination.css'
import 'element-plus/theme-chalk/el-result.css'
import 'element-plus/theme-chalk/el-skeleton.css'
import 'element-plus/theme-chalk/el-skeleton-item.css'
import 'element-plus/theme-chalk/el-timeline.css'
import 'element-plus/theme-chalk/el-timeline-item.css'
import 'element-plus/theme-chalk/el-message.css'
import 'element-plus/theme-chalk/el-message-box.css'
import 'element-plus/theme-chalk/el-overlay.css'
import * as EP from 'element-plus'

// Named once: static member reads of the namespace keep the bundle tree-shaken.
const components = [
  EP.ElBadge,
  EP.ElButton,
  EP.ElCheckbox,
  EP.ElConfigProvider,
  EP.ElEmpty,
  EP.ElForm,
  EP.ElFormItem,
  EP.ElIcon,
  EP.ElInput,
  EP.ElInputNumber,
  EP.ElPagination,
  EP.ElResult,
  EP.ElSkeleton,
  EP.ElTimeline,
  EP.ElTimelineItem,
]

export default {
  install(app) {
    components.forEach((c) => app.use(c))
    app.use(EP.ElLoading) // v-loading
  },
}
