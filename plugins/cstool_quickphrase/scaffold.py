"""``kb init DIR``: a new team KB repository, ready for git and pre-commit.

Never overwrites: every target is checked before anything is written (an
existing file, a dangling symlink in its place, a folder that cannot be
created); if any check fails nothing is written and the command exits 2. A
new folder is filled under a temporary name next to it and renamed into place
in one step, so a failure leaves nothing behind. Files and folders follow the
user's umask.
"""

from __future__ import annotations

import os
import shutil
import tempfile
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
`example.yaml` 是一个示例活动（时间在过去，不会出现在回复里），照着改成自己的活动，
改完运行 `cstool promo check example` 检查破价和平台规则。

商品表在知识库根目录的 `catalog.csv`：每行一个商品，列是
sku（商品编码）、title（商品名）、price（售价）、cost（成本，用于破价检查）、
category（类目）、listed_at / delisted_at（上架、下架日期，可留空）。
"""

CATALOG = """\
sku,title,price,cost,category,listed_at,delisted_at
A,示例商品：乳胶枕,99.00,42.00,床品,2026-01-01,
B,示例商品：纯棉四件套,129.00,58.00,床品,2026-01-01,
C,示例商品：记忆棉抱枕,79.00,31.00,家饰,2026-01-01,
"""

EXAMPLE_CAMPAIGN = """\
# 示例活动：照着改成自己的活动，改完运行 `cstool promo check example` 检查。
# 时间写北京时间；[start, end) 之外活动不生效，回复里的 {promo} 也不会提到它。
name: 示例活动（请改成自己的）
timezone: Asia/Shanghai
start: 2026-01-01T00:00:00
end: 2026-01-02T00:00:00
# 商品表（售价、成本），相对这个文件的路径
catalog: ../catalog.csv
rules:
  # 限时折扣：乳胶枕 9 折，每单限 2 件
  - {id: ltd-a, type: limited_time_discount, skus: [A], discount: 9, limit_per_order: 2}
  # 满减：床品满 199 减 20
  - id: mj
    type: tiered
    basis: amount
    skus: [A, B]
    tiers:
      - {at: 199, off: 20}
  # 包邮：满 99 包邮，新疆、西藏除外
  - {id: ship, type: free_shipping, at: 99, exclude_regions: [新疆, 西藏]}
"""


def _logbook_settings() -> str:
    """The logbook's default settings (reason lists, reminders…), as commented in the bundled KB."""
    from cstool.kb import bundled_kb_path

    return (bundled_kb_path() / "logbook.yaml").read_text(encoding="utf-8")


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
    "logbook.yaml": None,  # the logbook's defaults, see _logbook_settings
    "catalog.csv": CATALOG,
    "promos/README.md": PROMOS_README,
    "promos/example.yaml": EXAMPLE_CAMPAIGN,
    ".pre-commit-config.yaml": PRE_COMMIT,
    "README.md": README,
}


def init_kb(target: Path) -> list[Path]:
    """Write the scaffold into ``target``; return the files written (relative to ``target``)."""
    from cstool import yamlio

    target = Path(target).expanduser()
    contents = {name: (text if text is not None else _logbook_settings()) for name, text in FILES.items()}
    for name, text in contents.items():
        if name.endswith(".yaml"):
            yamlio.loads(text, target / name)  # a template we cannot read back must never be written
    _check_target(target)
    if target.is_dir():
        _write_into_existing(target, contents)
    else:
        _write_new_folder(target, contents)
    return [Path(name) for name in contents]


def _lexists(path: Path) -> bool:
    return os.path.lexists(path)


def _check_target(target: Path) -> None:
    """Every reason to refuse, checked before anything is written."""
    if target.is_symlink() and not target.exists():
        raise BadInput("这里是一个指向不存在位置的符号链接，不会在它上面新建知识库", path=target)
    if target.exists() and not target.is_dir():
        raise BadInput("这里已经有一个同名文件，不是文件夹", path=target)
    for name in ("kb.yaml", "phrases", *FILES):
        if (target / name).is_symlink() and not (target / name).exists():
            raise BadInput(f"{name} 是一个指向不存在位置的符号链接，不会覆盖；先删掉它", path=target)
    for marker in ("kb.yaml", "phrases"):
        if _lexists(target / marker):
            raise BadInput(f"这里已经有知识库了（有 {marker}），不会覆盖；换一个空文件夹", path=target)
    folders = {str(Path(name).parent) for name in FILES if "/" in name}
    taken = [name for name in [*folders, *FILES] if _lexists(target / name) and not (target / name).is_dir()]
    taken += [name for name in FILES if (target / name).is_dir()]
    if taken:
        raise BadInput(f"这些文件已经存在，不会覆盖：{'、'.join(sorted(set(taken)))}", path=target)
    existing = target
    while not existing.exists():
        if existing.is_symlink():
            raise BadInput("路径里有指向不存在位置的符号链接", path=existing)
        existing = existing.parent
    if not existing.is_dir():
        raise BadInput("路径里有一段是文件，不是文件夹", path=existing)
    if not os.access(existing, os.W_OK | os.X_OK):
        raise BadInput("没有权限在这里新建文件", path=existing)


def _reason(exc: OSError) -> str:
    import errno

    reasons = {
        errno.EACCES: "没有权限",
        errno.EPERM: "不允许",
        errno.ENOENT: "这个位置不能新建文件夹",
        errno.EROFS: "只读的文件系统",
        errno.ENOSPC: "磁盘空间不足",
        errno.ENOTDIR: "路径里有一段不是文件夹",
        errno.EEXIST: "已经存在",
    }
    return reasons.get(exc.errno or 0, "系统拒绝了这次写入")


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _write_files(root: Path, contents: dict[str, str]) -> None:
    from cstool.files import atomic_write

    for name, text in contents.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        atomic_write(path, text)


def _write_new_folder(target: Path, contents: dict[str, str]) -> None:
    """Fill a temporary folder next to ``target``, then rename it into place in one step."""
    parent = target.parent
    created_parents = []
    try:
        missing = [p for p in [parent, *parent.parents] if not p.exists()]
        for folder in reversed(missing):
            folder.mkdir()
            created_parents.append(folder)
        staging = Path(tempfile.mkdtemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent))
    except OSError as exc:
        for folder in reversed(created_parents):
            folder.rmdir()
        raise BadInput(f"无法在这里新建文件夹：{_reason(exc)}", path=target) from None
    try:
        os.chmod(staging, 0o777 & ~_umask())
        _write_files(staging, contents)
        os.rename(staging, target)
    except OSError as exc:
        shutil.rmtree(staging, ignore_errors=True)
        for folder in reversed(created_parents):
            folder.rmdir()
        raise BadInput(f"无法写入新知识库：{_reason(exc)}", path=target) from None
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _write_into_existing(target: Path, contents: dict[str, str]) -> None:
    """An existing folder (say a fresh git repository): on any failure remove what was added."""
    new_folders = sorted({str(Path(n).parent) for n in contents if "/" in n} - {"."})
    new_folders = [f for f in new_folders if not (target / f).exists()]
    try:
        _write_files(target, contents)
    except BaseException as exc:
        for name in contents:
            (target / name).unlink(missing_ok=True)
        for folder in new_folders:
            shutil.rmtree(target / folder, ignore_errors=True)
        if isinstance(exc, OSError):
            raise BadInput(f"无法写入新知识库：{_reason(exc)}", path=target) from None
        raise
