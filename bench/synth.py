"""Synthetic cards folders of any size: Chinese principles with [[cloze]] marks and questions.

`write_cards(folder, notes)` writes a deck that `deckgen build` turns into exactly
`notes` notes. The text is made from a fixed vocabulary by a seeded random generator,
so the same arguments always give the same files. `revision` rewrites the plain text
of every principle and every question (ids and cloze phrases stay, so a rebuild changes
notes without costing progress); `revised` rewrites only the text of the principles
with those numbers.

    python -m bench.synth DIR NOTES     # write a deck of NOTES notes into DIR
"""

from __future__ import annotations

import random
import sys
from collections.abc import Collection
from pathlib import Path

from deckgen.chinese import fix_cjk_punctuation

PRINCIPLES_PER_PILLAR = 50
DECK_KEY = "bench"

# Four-character phrases an author would mark for recall.
TERMS = (
    "實事求是", "求真務實", "精益求精", "統籌兼顧", "令行禁止", "守正創新", "真抓實幹",
    "分工協作", "未雨綢繆", "細緻入微", "雷厲風行", "循序漸進", "集思廣益", "以身作則",
    "嚴謹細緻", "公道正派", "勤勉盡責", "廉潔自律", "迎難而上", "持之以恆", "善始善終",
    "輕重緩急", "主次分明", "有條不紊", "換位思考", "顧全大局", "開拓進取", "虛心請教",
    "取長補短", "防微杜漸", "按部就班", "舉一反三", "觸類旁通", "知行合一", "務求實效",
    "熱情周到", "耐心細緻", "文明禮貌", "誠實守信", "言行一致", "保守秘密", "依法辦事",
    "立足本職", "胸懷全局", "擔當作為", "團結協作", "勇於負責", "及時準確", "簡明扼要",
    "條理清晰", "規範有序", "高效便捷", "心中有數", "一絲不苟", "查漏補缺", "閉環管理",
)  # fmt: skip
SUBJECTS = (
    "辦公室人員", "工作人員", "每一位同志", "文秘人員", "值班人員", "部門負責人",
    "新入職的同事", "承辦人", "各崗位人員", "服務窗口",
)  # fmt: skip
ACTIONS = (
    "要始終堅持", "必須做到", "應當注重", "要不斷強化", "要自覺養成", "須時刻保持",
    "要善於把握", "應切實落實", "要努力培養", "要認真貫徹",
)  # fmt: skip
TOPICS = (
    "公文處理", "會議組織", "來訪接待", "信息報送", "檔案管理", "督查督辦", "後勤保障",
    "值班值守", "調查研究", "協調溝通", "文字材料", "保密工作", "應急處置", "財務報銷",
    "資產管理", "對外聯絡", "日程安排", "電話記錄", "郵件往來", "數據統計",
)  # fmt: skip
CLAUSES = (
    "堅持從實際出發,把每一項工作落到實處",
    "做到事前有計劃、事中有檢查、事後有總結",
    "不能因為事情瑣碎而放鬆要求",
    "遇到問題主動請示報告,不推諉、不拖延",
    "把服務對象的需要放在心上",
    "在細節上下功夫,在效率上求突破",
    "既要講原則,又要講方法",
    "做到件件有着落、事事有回音",
    "以高標準嚴要求對待每一份材料",
    "在平凡的崗位上做出不平凡的成績",
    "虛心聽取各方面的意見和建議",
    "把工作的主動權牢牢掌握在自己手中",
    "注意積累經驗,不斷改進工作方法",
    "在關鍵時刻頂得上、靠得住",
)  # fmt: skip
SHORT_CLAUSES = tuple(c for c in CLAUSES if len(c) <= 16)
# Answers stay short enough to recall in one go (deckgen check warns above 20).
QUESTION_FORMS = (
    ("做好{topic}工作,首先要做到什麼?", "{term}"),
    ("{subject}在{topic}中應當保持怎樣的作風?", "{term}"),
    ("{topic}工作的兩個基本要求是什麼?", "{term}、{term2}"),
    ("面對{topic}中的難題,應當怎樣做?", "{short}"),
    ("為什麼{topic}工作不能馬虎?", "因為要{short}"),
)  # fmt: skip


def plan(notes: int) -> list[list[int]]:
    """Questions per principle, per pillar, so that the deck has exactly `notes` notes.

    The deck has an introduction and an overview note; each pillar one note; each
    principle one cloze note and one note per question, and at least one question.
    """
    if notes < 5:
        raise ValueError("a synthetic deck has at least 5 notes")
    rng = random.Random(notes)
    remaining = notes - 2
    pillars: list[list[int]] = []
    while remaining >= 3:
        remaining -= 1
        questions: list[int] = []
        while remaining >= 2 and len(questions) < PRINCIPLES_PER_PILLAR:
            q = min(rng.choice((1, 2, 3, 3, 4)), remaining - 1)
            questions.append(q)
            remaining -= 1 + q
        pillars.append(questions)
    pillars[-1][-1] += remaining  # 0, 1 or 2 notes left: more questions for the last one
    return pillars


def _quote(text: str) -> str:
    """A YAML double-quoted scalar (the generated text needs no escapes but quotes)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def _principle_text(rng: random.Random, topic: str, clozes: int, revision: str) -> str:
    parts = []
    for term in rng.sample(TERMS, clozes):
        parts.append(f"{rng.choice(ACTIONS)}[[{term}]]的要求,{rng.choice(CLAUSES)}")
    head = f"{rng.choice(SUBJECTS)}做好{topic}工作,"
    return head + ";".join(parts) + "。" + (f"({revision})" if revision else "")


def _principle_lines(
    rng: random.Random, number: int, questions: int, text_mark: str, question_mark: str
) -> list[str]:
    topic = rng.choice(TOPICS)
    text = _principle_text(rng, topic, rng.choice((2, 2, 3, 3, 4, 5)), text_mark)
    lines = [
        f"  - id: principle-{number:06d}",
        f"    title: {_quote(f'{topic}要{rng.choice(TERMS)}(第{number}條)')}",
        f"    text: {_quote(text)}",
    ]
    if rng.random() < 0.3:
        lines.append(f"    note: {_quote(rng.choice(CLAUSES) + '。')}")
    lines.append("    questions:")
    forms = rng.sample(QUESTION_FORMS, min(questions, len(QUESTION_FORMS)))
    for q in range(1, questions + 1):
        form, answer = forms[(q - 1) % len(forms)]
        term, term2 = rng.sample(TERMS, 2)
        values = {
            "topic": topic,
            "subject": rng.choice(SUBJECTS),
            "term": term,
            "term2": term2,
            "short": rng.choice(SHORT_CLAUSES),
        }
        # Each question names its principle: no two questions of the deck are the same.
        again = f"(其{q})" if q > len(forms) else ""
        question = f"依第{number}條,{form.format(**values)}{again}"
        if question_mark:
            question += f"({question_mark})"
        lines += [
            f"      - id: q{q}",
            f"        question: {_quote(question)}",
            f"        answer: {_quote(answer.format(**values))}",
        ]
    return lines


def write_cards(
    folder: Path,
    notes: int,
    *,
    seed: int = 6,
    revision: str = "",
    revised: Collection[int] = (),
) -> Path:
    """Write a cards folder with exactly `notes` notes into `folder` (created if needed).

    With `revision`, every principle's text and every question end with it: all but the
    overview notes change. With `revised`, only the text of the principles with those
    numbers (1-based, in deck order) gets the mark "修訂".
    An existing deckgen.lock in `folder` is left alone.
    """
    folder.mkdir(parents=True, exist_ok=True)
    rng = random.Random(seed)
    shape = plan(notes)
    # The templates below write ASCII punctuation; the cards get it full-width, as Chinese
    # typesetting (and `deckgen check`) wants it: clean cards, no warning to print.
    (folder / "deck.yaml").write_text(
        fix_cjk_punctuation(
            "\n".join(
                [
                    f"key: {DECK_KEY}",
                    "language: zh-Hant",
                    f"name: 基準測試卡組({notes}則)",
                    "description: deckgen 的效能基準測試用合成卡組。",
                    "introduction: 辦公室工作要做到[[實事求是]]、[[精益求精]],"
                    "並且[[統籌兼顧]]、[[令行禁止]]。",
                    f"question: 這個卡組的{len(shape)}個部分是什麼?",
                    "",
                ]
            )
        ),
        encoding="utf-8",
    )
    number = 0
    for p, questions in enumerate(shape, start=1):
        lines = [
            f"id: pillar-{p:04d}",
            f"title: {_quote(f'第{p}部分:{rng.choice(TOPICS)}與{rng.choice(TOPICS)}')}",
            "principles:",
        ]
        for q in questions:
            number += 1
            mark = revision or ("修訂" if number in revised else "")
            lines += _principle_lines(rng, number, q, mark, revision)
        text = fix_cjk_punctuation("\n".join(lines) + "\n")
        (folder / f"{p:04d}-pillar.yaml").write_text(text, encoding="utf-8")
    return folder


if __name__ == "__main__":
    out = write_cards(Path(sys.argv[1]), int(sys.argv[2]))
    print(out)
