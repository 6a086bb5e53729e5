"""The year-end self-assessment report (自检报告) laid out once: its headings and every figure sentence.

The structure follows the seed's report (一、项目概况 … 七、下步打算). Each figure comes from the
records (the fund report, the verification figures, the archive, the evaluation total); the prose
an office writes itself is left as a marked placeholder, ``【请填写：…】``, with a hint taken from
the seed's headings. A figure the records do not have is said to be missing, ``【缺少数据：…】``,
never written as 0. The .docx and the PDF both render the blocks built here.

This module imports neither python-docx nor reportlab.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Protocol

from ..core.fund_report import ZERO, FundReport
from ..core.money import format_wan
from . import fund_report_sections as fs

# Block kinds: the title, the addressee line, 一、 headings, （一） headings, running text, the closing lines.
TITLE, SALUTATION, H1, H2, BODY, SIGN = "title", "salutation", "h1", "h2", "body", "sign"

FILL, MISSING = "fill", "missing"
_MARK = re.compile(r"【(请填写|缺少数据)：[^】]*】")

HEADINGS = ("一、项目概况", "二、项目资金使用及管理情况", "三、项目组织实施情况", "四、项目绩效情况",
            "五、综合评价情况及评价结论", "六、主要经验及做法、存在的问题和建议", "七、下步打算")


def fill(hint: str) -> str:
    """A place the office writes itself: ``【请填写：hint】``."""
    return f"【请填写：{hint}】"


def missing(what: str) -> str:
    """A figure the records do not hold: ``【缺少数据：what】``."""
    return f"【缺少数据：{what}】"


def runs(text: str) -> list[tuple[str, str]]:
    """``text`` cut into (piece, kind): kind ``""`` for plain text, FILL or MISSING for a marked placeholder."""
    out, at = [], 0
    for m in _MARK.finditer(text):
        if m.start() > at:
            out.append((text[at:m.start()], ""))
        out.append((m.group(0), FILL if m.group(1) == "请填写" else MISSING))
        at = m.end()
    if at < len(text):
        out.append((text[at:], ""))
    return out


def placeholders(text: str) -> list[str]:
    """Every marked placeholder in ``text``."""
    return [m.group(0) for m in _MARK.finditer(text)]


@dataclass(frozen=True)
class Block:
    kind: str
    text: str


class RatioLike(Protocol):
    """A verification figure (services/verification_figures.py Ratio): ``numerator`` of ``denominator``."""

    numerator: int
    denominator: int
    rate: Decimal | None


class VerificationLike(Protocol):
    """The year's verification figures (services/verification_figures.py YearFigures)."""

    paid_lines: int
    sms: RatioLike
    spot_check: RatioLike
    reached: int
    discrepancy: RatioLike
    home_visits: RatioLike
    satisfaction: RatioLike
    problems: int
    open_problems: int


@dataclass(frozen=True)
class Facts:
    """Everything the report says from the records; None where the records could not say it."""

    year: int
    unit_name: str
    funds: FundReport | None = None
    verification: VerificationLike | None = None
    households: int | None = None            # archives 在档 at the year's end
    people: int | None = None                # … and the people in them (家庭人口)
    households_helped: int | None = None     # households the office's own paid aid reached in the year
    batches: int | None = None               # the office's batches with aid paid in the year
    card_lines: int | None = None            # paid lines paid by 会员服务卡 (of verification.paid_lines)
    evaluation_total: Decimal | None = None
    evaluation_grade: str | None = None
    evaluation_template: str = ""            # the 绩效自评表 the total is from ("" when passed in)
    evaluation_unscored: int = 0             # rows of it not scored yet: the total is not final


@dataclass(frozen=True)
class Draft:
    """The drafted report: its blocks in order."""

    facts: Facts
    blocks: list[Block]

    @property
    def title(self) -> str:
        return self.blocks[0].text.replace("\n", "")

    def text(self) -> str:
        return "\n".join(b.text for b in self.blocks)

    def placeholders(self) -> list[str]:
        return [p for b in self.blocks for p in placeholders(b.text)]


# ---- wording helpers -----------------------------------------------------------------------------

def _w(amount: Decimal) -> str:
    return f"{format_wan(amount)}万元"


def _pct(rate: Decimal | None) -> str:
    return fs.percent(rate) if rate is not None else "—"


def _ratio_pct(r: RatioLike) -> str:
    return _pct(r.rate)


def score_text(total: Decimal) -> str:
    """98.00 → ``98``, 97.50 → ``97.5``: a score as the report writes it."""
    text = f"{total.quantize(Decimal('0.01'), ROUND_HALF_UP):f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


def has_fund_figures(r: FundReport | None) -> bool:
    return r is not None and bool(r.income or r.arrived or r.budget or r.spending.total or r.subunits
                                  or any(r.ledger.values()))


# ---- the report ---------------------------------------------------------------------------------

def title(facts: Facts) -> str:
    """As the seed's: the unit and year on the first line, 自评和管理使用情况的自检报告 on the second."""
    return f"{facts.unit_name}{facts.year}年度帮扶资金绩效\n自评和管理使用情况的自检报告"


def draft(facts: Facts) -> Draft:
    y, unit = facts.year, facts.unit_name
    blocks = [
        Block(TITLE, title(facts)),
        Block(SALUTATION, fill("主送单位，如：省总工会法律保障部") + "："),
        Block(BODY, "为切实加强帮扶资金的管理，确保帮扶资金专款专用、安全运行，按照"
                    + fill(f"通知名称及文号，如《关于开展{y}年度帮扶资金绩效考评和检查工作的通知》（×工发〔{y}〕×号）")
                    + f"的要求，{unit}对{y}年度帮扶专项资金管理使用情况进行自查。现将有关情况汇报如下。"),
    ]
    for part in (_overview, _funds, _organisation, _performance, _conclusion, _lessons, _next):
        blocks += part(facts)
    blocks += [Block(SIGN, unit), Block(SIGN, fill("报告日期，如：××××年××月××日"))]
    return Draft(facts, blocks)


def _h1(n: int) -> Block:
    return Block(H1, HEADINGS[n - 1])


def _body(*parts: str) -> Block:
    return Block(BODY, "".join(parts))


# 一、项目概况

def _overview(f: Facts) -> list[Block]:
    r, y, unit = f.funds, f.year, f.unit_name
    out = [_h1(1), Block(H2, "（一）项目单位基本情况"),
           _body(fill("单位成立时间、机构性质、编制和工作人员，管理的产业（系统）工会和基层工会数量，帮扶工作网络")),
           _body(_archive_text(f))]
    out += [Block(H2, "（二）项目基本性质、用途和主要内容、涉及范围")]
    if has_fund_figures(r):
        arrived = fs.arrived_by_source(r)
        by_source = "，".join(f"{s}{_w(arrived[s])}" for s in fs.ordered(arrived, r.sources))
        direct = sum(r.direct_by_source().values(), ZERO)
        text = (f"{y}年{unit}到位帮扶资金共{_w(r.arrived)}"
                + (f"（含直接划拨给下级单位的{_w(direct)}）" if direct else "")
                + (f"，其中{by_source}。" if by_source else "。"))
        overall = r.overall()
        if overall.total:
            by_category = overall.by_category()
            used = [c for c in fs.ordered(by_category, r.categories) if by_category[c]]
            text += (f"主要用于对在档困难职工（农民工）提供{'、'.join(used)}等帮扶活动，{y}年度共救助帮扶困难职工"
                     f"{overall.total.count}人次，其中" + "，".join(f"{c}{by_category[c].count}人次" for c in used) + "。")
        else:
            text += missing(f"{y}年度没有已发放的帮扶记录，无法统计帮扶人次")
        out.append(_body(text))
    else:
        out.append(_body(missing(f"{y}年度没有资金收支和帮扶发放记录，资金总额和帮扶人次无法统计")))
    out.append(_body(fill("帮扶对象范围：低保户、低保边缘户、意外致困等困难职工的认定条件")))
    out += [Block(H2, "（三）跨年度项目的预期总目标及阶段性目标")]
    out.append(_body(_target_text(f)))
    out.append(_body(fill("跨年度项目的预期总目标、阶段性目标及年度任务完成情况的说明")))
    return out


def _archive_text(f: Facts) -> str:
    y, unit = f.year, f.unit_name
    if not f.households:
        return missing(f"截止{y}年12月31日没有在档的困难职工档案记录，档案户数和人口无法统计")
    people = f"，涉及人口{f.people}人" if f.people else ""
    return f"截止{y}年12月31日，{unit}共有在档困难职工档案{f.households}户{people}。"


def _target_text(f: Facts) -> str:
    r, y = f.funds, f.year
    parts = []
    if r is not None and r.budget:
        budget = r.budget_by_source
        by_source = "，".join(f"{s}{_w(budget[s])}" for s in fs.ordered(budget, r.sources) if budget[s])
        parts.append(f"{y}年预算绩效目标帮扶资金为{_w(r.budget)}，其中{by_source}。")
    else:
        parts.append(missing(f"{y}年度未录入帮扶资金预算"))
    planned = [p for p in (r.plan if r is not None else []) if p.planned_count]
    if planned:
        parts.append("，".join(f"{p.category}计划救助{p.planned_count}人次" for p in planned) + "。")
        parts.append(fs._plan_text(r))
    else:
        parts.append(missing(f"{y}年度未录入帮扶计划"))
    return "".join(parts)


# 二、项目资金使用及管理情况

def _funds(f: Facts) -> list[Block]:
    r, y, unit = f.funds, f.year, f.unit_name
    out = [_h1(2), Block(H2, "（一）项目资金到位情况分析")]
    if has_fund_figures(r):
        arrival = fs._arrival_text(r)
        arrived, budget = fs.arrived_by_source(r), r.budget_by_source
        lines = []
        for s in fs.ordered({**arrived, **budget}, r.sources):
            a, b = arrived.get(s, ZERO), budget.get(s, ZERO)
            lines.append(f"{s}到位{_w(a)}" + (f"，到位率{_pct(fs.rate(a, b))}" if b else ""))
        out.append(_body(arrival or missing(f"{y}年度没有到位资金记录"),
                         ("其中：" + "；".join(lines) + "。") if lines else ""))
        if r.arrival_rate is None:
            out.append(_body(missing(f"{y}年度未录入预算，无法计算资金到位率")))
    else:
        out.append(_body(missing(f"{y}年度没有资金到账记录，资金到位情况和到位率无法统计")))
    out.append(_body(fill("各批资金的下达文件、金额和到账时间（如：第二期中央资金××万元）")))

    out.append(Block(H2, "（二）项目资金使用情况分析"))
    if has_fund_figures(r):
        out.append(_body(f"1、{unit}帮扶资金收支使用情况。"))
        out.append(_body(fs._money_text(r)))
        out.append(_body("2、下级单位帮扶资金使用情况。"))
        out.append(_body(fs._subunit_text(r) or f"{y}年度没有拨付下级单位的帮扶资金，也没有下级单位的使用情况。"))
        overall = fs._overall_text(r)
        if overall:
            out.append(_body(overall))
    else:
        out.append(_body(missing(f"{y}年度没有资金收支和帮扶发放记录，收入、支出、人次和结余无法统计")))

    out.append(Block(H2, "（三）项目资金管理情况分析"))
    out.append(_body("一是规章制度建立情况。", fill("本单位制定的帮扶资金使用管理、困难职工档案管理、帮扶救助实施细则等制度名称")))
    out.append(_body("二是档案管理情况。", fill("困难职工档案的核查、建档、动态管理和清理（脱困、注销）情况")))
    out.append(_body("三是帮扶程序执行情况。", fill("申请、审核、公示、建档、审批、再公示和发放等环节的执行情况")))
    out.append(_body("四是资金发放情况。", _payment_text(f),
                     fill("资金分配方案、审批程序，是否专款专用、有无虚列支出、冒领、挪用、截留等问题")))
    return out


def _payment_text(f: Facts) -> str:
    v = f.verification
    if v is None or not v.paid_lines:
        return missing(f"{f.year}年度没有已发放的帮扶记录，发放方式、短信告知和电话抽查情况无法统计")
    parts = [f"{f.year}年度共发放帮扶资金{v.paid_lines}人次"]
    if f.card_lines is not None:
        parts.append(f"，其中通过工会会员服务卡转账{f.card_lines}人次，占{_pct(fs.rate(f.card_lines, v.paid_lines))}")
    parts.append(f"；发放后短信告知{v.sms.numerator}人次，占发放人次的{_ratio_pct(v.sms)}")
    parts.append(f"；电话抽查{v.spot_check.numerator}人次，抽查比例{_ratio_pct(v.spot_check)}")
    if v.reached:
        parts.append(f"，接通{v.reached}人次，发现金额不符或本人未收到{v.discrepancy.numerator}人次，"
                     f"占接通人次的{_ratio_pct(v.discrepancy)}")
    return "".join(parts) + "。"


# 三、项目组织实施情况

def _organisation(f: Facts) -> list[Block]:
    out = [_h1(3), Block(H2, "（一）项目组织情况")]
    if f.batches:
        helped = f"，帮扶困难职工{f.households_helped}户" if f.households_helped else ""
        out.append(_body(f"{f.year}年{f.unit_name}共组织实施并发放帮扶批次{f.batches}批{helped}。"))
    else:
        out.append(_body(missing(f"{f.year}年度没有已发放的帮扶批次")))
    out.append(_body(fill("资金下拨、配套和调整情况（如：工作经费调整为帮扶资金及其原因），组织分工情况")))
    out += [Block(H2, "（二）项目管理情况"),
            _body(fill("集体研究讨论、方案、措施、检查和监督情况（帮扶人数是否和计划一致、资金是否足额发放、是否人款相符等）"))]
    return out


# 四、项目绩效情况

def _performance(f: Facts) -> list[Block]:
    r, y = f.funds, f.year
    out = [_h1(4)]
    if has_fund_figures(r):
        spent = r.spending.total.amount
        share = f"，支出占收入的{_pct(fs.rate(spent, r.income))}" if r.income else ""
        economy = (f"{y}年度帮扶专项资金收入{_w(r.income)}，本级支出{_w(spent)}{share}，"
                   f"年末结余{_w(r.balance)}。")
    else:
        economy = missing(f"{y}年度没有资金收支记录")
    out.append(_body("（一）项目的经济性。", economy, fill("各项资金是否在规定范围内使用，有无超支")))

    efficiency = []
    if r is not None and r.overall().total:
        efficiency.append(fs._overall_text(r))
        efficiency.append(fs._plan_text(r))
    else:
        efficiency.append(missing(f"{y}年度没有已发放的帮扶记录，帮扶人次无法统计"))
    if f.households_helped:
        on_file = f"，年末在档{f.households}户" if f.households else ""
        efficiency.append(f"本级帮扶覆盖困难职工{f.households_helped}户{on_file}。")
    out.append(_body("（二）项目的效率性。", *efficiency, fill("是否按计划完成，在档困难职工是否每年至少帮扶一次")))

    out.append(_body("（三）项目的有效性。", _effect_text(f),
                     fill("帮扶对困难职工的作用和基层工会、职工的评价")))
    out.append(_body("（四）项目的可持续性。",
                     fill("本单位及所管理的各级工会全年筹集帮扶资金总额、累计帮扶人次，社会反响及项目的可持续性")))
    return out


def _effect_text(f: Facts) -> str:
    v, y = f.verification, f.year
    if v is None:
        return missing(f"{y}年度没有核查记录")
    parts = []
    if v.home_visits.numerator:
        parts.append(f"{y}年度入户走访困难职工{v.home_visits.numerator}户，占在档户数的{_ratio_pct(v.home_visits)}")
    else:
        parts.append(missing(f"{y}年度没有入户走访记录"))
    if v.satisfaction.denominator:
        parts.append(f"收回《工会困难职工帮扶资金管理使用意见反馈表》{v.satisfaction.denominator}份，"
                     f"满意（含基本满意）{v.satisfaction.numerator}份，职工满意率{_ratio_pct(v.satisfaction)}")
    else:
        parts.append(missing(f"{y}年度没有意见反馈表记录，满意率无法统计"))
    if v.problems:
        fixed = v.problems - v.open_problems
        parts.append(f"核查发现问题{v.problems}个，已整改{fixed}个" + (f"，尚在整改{v.open_problems}个" if v.open_problems else ""))
    elif v.spot_check.numerator or v.home_visits.numerator or v.satisfaction.denominator:
        parts.append("核查未发现问题")   # said only when something was checked
    return _join(parts)


def _join(parts: Sequence[str]) -> str:
    """Clauses joined by ；, each placeholder standing on its own, ending with 。."""
    out = ""
    for p in parts:
        if out and not out.endswith("】"):
            out += "；" if not p.startswith("【") else "。"
        out += p
    return out if out.endswith("】") else out + "。"


# 五、综合评价情况及评价结论

def _conclusion(f: Facts) -> list[Block]:
    out = [_h1(5), _body(fill("项目总体评价：前期准备、监督管理、项目进度和取得的成效"))]
    if f.evaluation_total is not None:
        grade = f"，项目总体评价{f.evaluation_grade}" if f.evaluation_grade else ""
        table = f"《{f.evaluation_template}》" if f.evaluation_template else "《财政支出项目绩效评价自评表》"
        unscored = (missing(f"绩效自评表尚有{f.evaluation_unscored}项未评分，以上得分和等级不是最终结果，"
                            "评分完成后请重新生成本报告") if f.evaluation_unscored else "")
        out.append(_body(f"{f.year}年{f.unit_name}帮扶专项资金使用绩效实施自评{score_text(f.evaluation_total)}分{grade}。"
                         f"详见后附{table}。", unscored))
    else:
        out.append(_body(missing(f"尚未对{f.year}年度绩效自评表评分：评分后重新生成本报告，或在此填写自评得分和等级")))
    return out


# 六、主要经验及做法、存在的问题和建议；七、下步打算

def _lessons(f: Facts) -> list[Block]:
    return [_h1(6),
            Block(H2, "（一）经验做法"),
            _body(fill("主要经验和做法，如：领导重视、组织培训、入户调查摸底、分批实施、提高帮扶标准、加大宣传等")),
            Block(H2, "（二）存在的问题及不足"),
            _body(fill("工作中存在的困难和不足，如：基层帮扶人员培训、业务水平、制度执行、家庭收入核实等")),
            Block(H2, "（三）建议意见"),
            _body(fill("对上级的建议，如：加大宣传、规范帮扶范围、加大帮扶资金投入等"))]


def _next(f: Facts) -> list[Block]:
    return [_h1(7), _body(fill(f"{f.year + 1}年度帮扶工作的打算和措施"))]
