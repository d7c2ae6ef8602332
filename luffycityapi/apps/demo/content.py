"""What the demo shop sells: teachers, courses (with their cover colour, level, description) and each course's
chapters and lessons. Plain data, read by the seed (management/commands/seed_demo.py) and by the artwork
generator (artwork.py), which draws a cover per course and an avatar per teacher from the same rows."""

# key (the artwork's file name), name, title, colour, brief
TEACHERS = [
    ("alex", "李晓峰", "Python 高级讲师", "#3370ff", "十年 Python 后端经验，曾在电商平台负责交易系统。"),
    ("mia", "王雨桐", "前端架构师", "#00b42a", "Vue 核心生态贡献者，专注前端工程化与性能。"),
    ("chen", "陈建国", "数据库专家", "#f77234", "前 DBA 团队负责人，擅长 MySQL 调优与高可用。"),
    ("zhou", "周明", "运维开发工程师", "#722ed1", "负责过千台服务器的自动化运维平台。"),
]

# key, name, category, teacher key, level (0 入门 1 进阶 2 大师), price, credit allowance, discount or None,
# students, cover colours (from, to), brief, description, chapters: [(chapter name, [(lesson, seconds), ...])]
COURSES = [
    ("python-basics", "Python 全栈开发入门", "Python", "alex", 0, "399.00", 200, None, 1260,
     ("#3370ff", "#14c9c9"),
     "从零开始，掌握 Python 语法、函数与面向对象。",
     [("Python 环境与第一个程序", [("安装 Python 与 VS Code", 372), ("交互式解释器与脚本", 545),
                                   ("变量、类型与输入输出", 731)]),
      ("流程控制与函数", [("条件判断与循环", 688), ("函数定义与参数", 812), ("作用域与闭包", 603)]),
      ("面向对象编程", [("类与实例", 754), ("继承与多态", 901), ("魔术方法实战", 566)])]),
    ("django-shop", "Django 企业级项目实战", "Python", "alex", 2, "1579.00", 500, ("PERCENT", "0.88"), 3480,
     ("#0e42d2", "#722ed1"),
     "用 Django + DRF 搭建一个真实的在线商城。",
     [("项目搭建与配置分离", [("创建项目与应用", 498), ("settings 按环境拆分", 672), ("日志与异常处理", 815)]),
      ("用户认证与 JWT", [("自定义用户模型", 734), ("手机号登录与注册", 957), ("JWT 刷新与注销", 621)]),
      ("订单与支付", [("购物车与下单", 1103), ("接入支付宝沙箱", 1248), ("异步通知与对账", 986)])]),
    ("vue3", "Vue 3 前端工程化", "前端", "mia", 1, "699.00", 100, ("FIXED", "499.00"), 2150,
     ("#00b42a", "#14c9c9"),
     "组合式 API、Pinia、Vite 与组件化实践。",
     [("Vite 与项目结构", [("用 Vite 创建项目", 421), ("目录约定与别名", 389), ("环境变量与代理", 512)]),
      ("组合式 API", [("ref 与 reactive", 703), ("computed 与 watch", 648), ("编写可复用的组合函数", 877)]),
      ("状态管理与路由", [("Pinia 入门", 592), ("路由守卫与登录跳转", 735), ("打包体积优化", 664)])]),
    ("mysql-perf", "MySQL 性能优化", "数据库", "chen", 1, "299.00", 0, None, 980,
     ("#f77234", "#ffb400"),
     "索引、事务、锁与慢查询分析。",
     [("索引原理", [("B+ 树与聚簇索引", 812), ("联合索引与最左前缀", 690), ("覆盖索引与回表", 574)]),
      ("事务与锁", [("隔离级别与 MVCC", 935), ("行锁、间隙锁与死锁", 1022)]),
      ("慢查询诊断", [("EXPLAIN 逐列解读", 768), ("慢查询日志与 pt-query-digest", 659)])]),
    ("redis", "Redis 从入门到精通", "数据库", "chen", 0, "199.00", 50, None, 1730,
     ("#f53f3f", "#f77234"),
     "数据结构、持久化、分布式锁与缓存设计。",
     [("五种基本数据结构", [("字符串与计数器", 455), ("哈希、列表与集合", 702), ("有序集合与排行榜", 618)]),
      ("持久化与高可用", [("RDB 与 AOF", 684), ("主从复制与哨兵", 859)]),
      ("缓存设计", [("缓存穿透、击穿与雪崩", 790), ("基于 Redis 的分布式锁", 833)])]),
    ("linux-ops", "Linux 运维基础", "运维", "zhou", 0, "99.00", 0, ("FREE", "0"), 4120,
     ("#722ed1", "#3370ff"),
     "命令行、权限、进程与服务管理。",
     [("命令行入门", [("文件与目录操作", 533), ("管道与重定向", 487), ("vim 快速上手", 612)]),
      ("用户与权限", [("用户、组与 sudo", 568), ("文件权限与 umask", 455)]),
      ("进程与服务", [("ps、top 与信号", 640), ("systemd 服务管理", 721), ("日志与 journalctl", 502)])]),
    ("algorithms", "算法与数据结构", "Python", "alex", 2, "499.00", 300, None, 2590,
     ("#1d2129", "#3370ff"),
     "面试必备：排序、搜索、动态规划。",
     [("复杂度与基础结构", [("大 O 复杂度分析", 615), ("数组、链表与栈", 788)]),
      ("排序与搜索", [("快速排序与归并排序", 934), ("二分查找的边界", 702), ("堆与优先队列", 811)]),
      ("动态规划", [("从递归到记忆化", 866), ("背包问题", 1015), ("最长公共子序列", 893)])]),
    ("celery", "Celery 分布式任务", "Python", "zhou", 1, "159.00", 30, None, 760,
     ("#14c9c9", "#00b42a"),
     "异步任务、定时任务与可靠投递。",
     [("Celery 基础", [("Broker、Worker 与结果后端", 566), ("第一个异步任务", 478)]),
      ("可靠投递", [("重试与幂等", 745), ("acks_late 与任务丢失", 689), ("事务提交后再发任务", 534)]),
      ("定时任务", [("beat 与周期任务", 597), ("多节点下只跑一个 beat", 712)])]),
]

DESCRIPTIONS = {
    "python-basics": "适合零基础同学：每一课都有可以运行的小例子，学完能独立写出处理文件与数据的脚本。",
    "django-shop": "从空目录到上线：用户、购物车、优惠券、积分、订单与支付宝支付全流程，代码按企业规范组织。",
    "vue3": "以一个课程商城前台为主线，讲清组合式 API、状态管理、路由与构建优化。",
    "mysql-perf": "通过真实的慢查询案例理解索引与锁，学会读执行计划，定位并解决线上性能问题。",
    "redis": "从命令到原理再到缓存架构，配合电商场景讲解排行榜、限流与分布式锁。",
    "linux-ops": "服务器日常运维必备技能，限时免费，跟着敲一遍命令就能上手。",
    "algorithms": "用 Python 实现常见数据结构与算法，配套 LeetCode 高频题讲解。",
    "celery": "在 Django 项目中用 Celery 处理订单超时、异步通知与定时对账，并保证任务不丢不重。",
}


def cover_path(key: str) -> str:
    """The static path (under STATIC_URL) of a course's cover."""
    return f"demo/covers/{key}.jpg"


SMALL_COVER_SIZE = (224, 126)  # twice a phone's 112×63 list thumbnail


def small_cover_path(key: str) -> str:
    """The small copy of a cover, beside it: `<cover>.sm.jpg` (frontend/src/utils/shape.js coverSrcset)."""
    return f"demo/covers/{key}.sm.jpg"


def avatar_path(key: str) -> str:
    """The static path (under STATIC_URL) of a teacher's avatar."""
    return f"demo/avatars/{key}.png"
