"""General Chinese words the text reader needs: negation cues, hedges, corrections, units.

Language data, not sector knowledge: nothing here names a situation of any standard. What a
sector's phrases mean lives in knowledge/<sector>/vocabulary*.yaml.
"""

from __future__ import annotations

# A cue before the predicate it negates ("未投用", "没有设置"), longest first when scanned.
PRE_NEGATION = [
    "不能正常", "不能", "未按规定", "未按照", "未依法", "未经过", "未设置", "未", "没有", "没", "无", "不", "非",
    "缺少", "缺乏", "未见", "尚未", "从未", "并未", "并非", "不再",
]
# A cue that negates everything after it in its clause ("现场未发现特种作业人员无证上岗" = a double negative).
CLAUSE_NEGATION = ["未发现", "没有发现", "未查见", "未查出", "不存在", "未见有", "没有出现", "未出现"]
# A cue after the thing it negates ("报警器失效", "风量不足").
POST_NEGATION = [
    "失效", "损坏", "停用", "关闭", "拆除", "摘除", "缺失", "不足", "不全", "不够", "不到位", "不合格",
    "不符合", "不满足", "过期", "故障", "被拆除", "被摘除", "被关闭", "未投用", "未投入使用", "不能正常使用",
    "不能正常运行", "不正常", "缺少",
]
# Negation cues that mean the same kind of thing: a phrase whose predicate is its negation
# ("防护屏障缺失") is matched by a cue of the same class only ("没有防护屏障", not "防护屏障不符合要求").
CUE_CLASSES = [
    {"未", "没有", "没", "无", "缺少", "缺乏", "未见", "尚未", "从未", "并未", "缺失", "未设置", "未按规定", "未按照",
     "未依法", "未经过", "不再"},
    {"不符合", "不满足", "不合格", "不到位", "不足", "不够", "不全", "不正常", "不", "非"},
    {"失效", "损坏", "停用", "关闭", "拆除", "摘除", "故障", "未投用", "未投入使用", "被拆除", "被摘除", "被关闭", "过期",
     "不能正常", "不能正常使用", "不能正常运行", "不能"},
]
# A word that ends what a negation before it negates: "未经验收即投入使用" negates 经验收, not 投入使用
# (即 of 立即/随即/当即/即使/即时 is not one; nor 就 of 成就/造就, 便 of 方便/以便/便于).
NEGATION_SCOPE_END = r"(?<![立随当])即(?![使时刻])|(?<![成造迁])就(?!是)|(?<![方以顺])便(?![于利])"
# Words a cue can be part of without negating anything (they are matched first and skipped).
NOT_NEGATION = ["无误", "不断", "不仅", "无论", "不论", "不同", "未来", "毫无疑问", "并不是没有", "无关",
                "损坏率", "故障率", "不合格率"]  # a rate is a number ("防火门损坏率为60%"), not a negation

# A clause that reports a condition as since corrected: the finding no longer holds as found.
CORRECTED = ["已整改", "已经整改", "整改完毕", "整改完成", "已更换", "已修复", "已恢复", "已补齐", "已补办",
             "已重新投用", "已纠正", "当场整改", "立即整改完毕", "现已改正", "已改正", "已完成整改"]
# Words that make a statement a guess, not an observation.
HEDGES = ["疑似", "可能", "或许", "据称", "据反映", "据说", "待核实", "待查", "不排除", "是否", "似乎", "好像",
          "估计", "怀疑", "有待"]
# A number that is only approximate.
APPROX = ["约", "大约", "大概", "左右", "近", "接近", "上下", "多", "余"]

# Comparison words: op is how the stated number relates to the real value.
COMPARE = {
    "超过": ">", "大于": ">", "高于": ">", "多于": ">", "超出": ">", "逾": ">", "超": ">",
    "不低于": ">=", "不少于": ">=", "以上": ">=", "达到": "=", "达": "=", "为": "=", "是": "=", "实测": "=",
    "测得": "=", "检测": "=", "低于": "<", "小于": "<", "少于": "<", "不足": "<", "不到": "<", "以下": "<=",
    "不超过": "<=", "不大于": "<=",
}
# Words that compare with a reference instead of a number ("超过设计值"): the value is not stated.
OVER_WORDS = ["超限", "超标", "超能力", "超定员", "超员", "超过设计值", "超设计", "超过规定", "超过限值"]

# Where one finding ends and the next begins.
FINDING_MARKERS = r"(?:(?<=[；;。\n])|^)\s*(?:[一二三四五六七八九十]+是|[（(]?[0-9一二三四五六七八九十]+[)）、.．]|[①②③④⑤⑥⑦⑧⑨⑩])"
# Clause boundaries inside a finding (a negation never reaches across them).
CLAUSE_BREAKS = "，,；;。！!？?\n：:"
CONTRAST = ["但是", "但", "却", "然而", "不过"]

# Units: surface form -> canonical unit as written in vocabularies.
UNITS = {
    "%": "%", "％": "%", "百分之": "%",
    "米": "m", "m": "m", "M": "m", "毫米": "mm", "mm": "mm", "公里": "km", "km": "km",
    "分钟": "min", "min": "min", "分": "min", "小时": "h", "h": "h", "天": "d", "日": "d", "个月": "月", "月": "月",
    "年": "a", "秒": "s", "s": "s",
    "kW·h": "kW·h", "kWh": "kW·h", "kW.h": "kW·h", "千瓦时": "kW·h", "度电": "kW·h",
    "MPa": "MPa", "兆帕": "MPa", "kPa": "kPa", "千帕": "kPa", "Pa": "Pa", "帕": "Pa",
    "m³/min": "m³/min", "立方米每分钟": "m³/min", "m3/min": "m³/min", "m³/t": "m³/t", "m3/t": "m³/t",
    "m³": "m³", "m3": "m³", "立方米": "m³", "方": "m³",
    "L/min": "L/min", "升每分钟": "L/min", "L/m": "L/m", "kg/m": "kg/m",
    "t": "t", "吨": "t", "°": "°", "度": "°",
    "个": "个", "倍": "倍", "家": "家", "套": "套", "条": "条", "人": "人", "处": "处", "台": "台", "层": "层",
    "级": "级",
}
# Conversions between units a vocabulary may use (factor to multiply by).
CONVERT = {("h", "min"): 60.0, ("min", "h"): 1 / 60, ("d", "h"): 24.0, ("km", "m"): 1000.0, ("mm", "m"): 0.001,
           ("m", "mm"): 1000.0, ("kPa", "MPa"): 0.001, ("MPa", "kPa"): 1000.0, ("Pa", "kPa"): 0.001,
           ("kPa", "Pa"): 1000.0, ("米", "m"): 1.0, ("m", "米"): 1.0, ("s", "min"): 1 / 60}
UNIT_ALIASES = {"米": "m"}  # how a vocabulary may spell a unit -> canonical
