"""``kb init DIR``: a new team KB repository, ready for git and pre-commit.

Never overwrites: if any file it would write already exists (or the folder
already holds a KB), nothing is written and the command exits 2.
"""

from __future__ import annotations

from pathlib import Path

from cstool.errors import BadInput

KB_YAML = """\
# 团队知识库设置（cstool 读取）。改完运行 `cstool kb lint` 检查。
name: 我们店的客服知识库

# 回复里的占位符：在回复里写 {shop}，发出去就是这里的值。
# 个人的值（如 agent 客服昵称）写在自己的 config.toml 里，会覆盖这里的默认值。
placeholders:
  shop: 我们的旗舰店
  agent: 小客服
  courier: 中通快递
  ship_hours: "48"

# 聊天流程的阶段：欢迎 → 咨询 → 议价 → 支付 → 物流 → 售后 → 欢送
# 条目的 stage 必须是这里的代码；不写 stage 时取 id 的前缀（ship.when → ship）。
stages:
  greet: 欢迎
  product: 商品咨询
  bargain: 议价
  promo: 活动优惠
  pay: 支付
  ship: 物流
  aftersale: 售后
  close: 欢送

# kb lint 的规则
lint:
  # 一条回复（或脚本里的一步）最多多少字
  max_reply_length: 200
  # 销售禁语：回复里出现就报错
  banned_words: [不知道, 不归我管, 你自己看, 爱买不买]
  # 否定词：同一句（或紧接着的下一句）里要有解释或替代方案，如 因为/不过/可以/建议
  bare_negatives: [不能, 没有, 不可以, 不行]
  # 看起来像否定、其实不是的说法（在默认的 有没有、没问题 等之外再加）
  allowed_phrases: []
"""

EXAMPLE_TOPIC = """\
# 欢迎：买家第一句话时用。一个主题一个文件，文件名随意（如 ship.yaml）。
# 每条：id（点分、全库唯一、不要改）、title、questions（买家会怎么问）、replies（多个说法轮流用）
topic: 欢迎
entries:
  - id: greet.welcome
    title: 欢迎语
    stage: greet
    tags: [欢迎, 打招呼]
    shortcut: hy
    questions:
      - 在吗
      - 你好
      - 有人吗
    replies:
      - 亲，在的~ 我是客服 {agent}，很高兴为您服务，有什么可以帮您？
      - 您好，欢迎光临 {shop}！我是 {agent}，您看中哪款了呢？

  - id: greet.busy
    title: 忙碌时稍等
    stage: greet
    questions:
      - 怎么不回我
      - 人呢
    replies:
      # 多步脚本：先说一句，等一会儿，再说下一句
      - steps:
          - 亲，现在咨询的人比较多，我按顺序回复，请稍等一下哦~
          - wait: 1-2分钟
          - 让您久等了，{agent} 来啦，您刚才问的是哪款呢？
      - 亲，不好意思久等了，咨询的人有点多，我马上为您查看~
"""

SYNONYMS = """\
# 同义词：同一组里的词在搜索时算一个意思，不用改条目。
# 每行一组：写成 包邮=免运费=免邮，或 [发货, 寄出]
groups:
  - 包邮=免运费=免邮
  - 发货=寄出=发出
  - [退款, 退钱]
"""

PROMOS_README = """\
# promos/：促销活动

每个活动一个 YAML 文件，由 `cstool promo` 读取（格式见 cstool 的 docs/promo.md）。
没有活动时这个文件夹可以是空的。
"""

PRE_COMMIT = """\
# pre-commit：每次 git commit 前自动运行 cstool kb lint，有错误就拦下这次提交。
# 安装一次：pip install pre-commit && pre-commit install
repos:
  # 用本机已经安装的 cstool（团队每人都装了 cstool 时最简单）
  - repo: local
    hooks:
      - id: cstool-kb-lint
        name: cstool kb lint（检查快捷短语）
        entry: cstool kb lint
        language: system
        pass_filenames: false
        files: '(^|/)(kb\\.yaml|synonyms\\.yaml|phrases/.*\\.ya?ml)$'
  # 或者让 pre-commit 自己安装 cstool：把上面换成 cstool 仓库里的同名钩子
  # - repo: https://你们的代码托管/cstool
  #   rev: v0.1.0
  #   hooks:
  #     - id: cstool-kb-lint
"""

README = """\
# 客服快捷短语知识库

这是我们团队的快捷短语知识库，由 cstool（客服工具箱）读取。

- `kb.yaml`：团队设置（店名等占位符、聊天阶段、检查规则）
- `phrases/`：快捷短语，一个主题一个文件
- `synonyms.yaml`：同义词（包邮=免运费）
- `promos/`：促销活动

常用命令（在这个文件夹里运行，cstool 会自动找到 kb.yaml）：

    cstool search 能便宜点吗      # 搜索回复
    cstool kb add                 # 按提示新增一条快捷短语
    cstool kb lint                # 检查格式和话术规则

提交前会自动检查（先运行一次 `pre-commit install`）。有错误时按提示的 `文件:行号` 修改。
"""

FILES = {
    "kb.yaml": KB_YAML,
    "phrases/greet.yaml": EXAMPLE_TOPIC,
    "synonyms.yaml": SYNONYMS,
    "promos/README.md": PROMOS_README,
    ".pre-commit-config.yaml": PRE_COMMIT,
    "README.md": README,
}


def init_kb(target: Path) -> list[Path]:
    """Write the scaffold into ``target``; return the files written (relative to ``target``)."""
    from cstool import yamlio

    target = Path(target).expanduser()
    if target.exists() and not target.is_dir():
        raise BadInput("这里已经有一个同名文件，不是文件夹", path=target)
    for marker in ("kb.yaml", "phrases"):
        if (target / marker).exists():
            raise BadInput(f"这里已经有知识库了（有 {marker}），不会覆盖；换一个空文件夹", path=target)
    taken = [name for name in FILES if (target / name).exists()]
    if taken:
        raise BadInput(f"这些文件已经存在，不会覆盖：{'、'.join(taken)}", path=target)
    written = []
    for name, text in FILES.items():
        path = target / name
        if path.suffix == ".yaml":
            yamlio.loads(text, path)  # a template we cannot read back must never be written
        yamlio.write_if_changed(path, text)
        written.append(Path(name))
    return written
