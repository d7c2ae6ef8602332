// Element Plus parts are imported where used: templates' <el-*> tags and v-loading by unplugin-vue-components
// (vite.config.js), ElMessage / ElMessageBox by the files that call them. Those two services render outside any
// template, so their stylesheets are loaded here once.
import 'element-plus/es/components/message/style/css'
import 'element-plus/es/components/message-box/style/css'
