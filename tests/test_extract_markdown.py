"""`deckgen extract essay.md`: Markdown read with a CommonMark parser."""

from __future__ import annotations

from pathlib import Path

from deckgen.cloze import phrases, plain_text
from deckgen.validate import load_deck
from tests.helpers import extract_and_import, run_cli

# Full-width punctuation and quotation marks as escapes (see tests/test_chinese.py).
C, Q, X, CO = "\uff0c", "\uff1f", "\uff01", "\uff1a"
LQ, RQ = "\u300c", "\u300d"

MEETINGS = f"""\
# 會議籌備手冊

開好一次會議{C}功夫在會前、會中和會後。本手冊參考了[辦公室工作規範](https://example.org/guide)
和`會議管理辦法`的*要求*。![流程圖](flow.png)

## 一、會前準備

### 確定議程

會前要與主持人確認**會議議程**{C}明確每個議題的發言人和時間{C}並提前三天把議程發給與會人員。

### 準備會場

要根據參會人數選擇會場{C}提前調試**投影設備**和**麥克風**{C}
準備好座位牌和會議材料。

## 會中服務

- 準時開始。要提前十分鐘到場{C}引導與會人員**簽到入座**{C}確保會議按時開始。
- 做好記錄{C}要安排專人記錄會議內容{C}重點記下**決定事項**和分工{C}不遺漏任何一項任務。
  - 記錄要客觀準確{C}不加入個人意見。

## 三、會後總結

1. 及時整理紀要{C}要在會後當天把**{LQ}會議紀要{RQ}**整理成文{C}經主持人審閱後發送給各部門。
2. 跟進落實{X}要建立任務清單{C}定期檢查__落實情況__{C}並在下次會議上通報進展。
"""


def write(tmp_path: Path, text: str, name: str = "meetings.md") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def test_markdown_gives_the_documents_pillars_principles_and_bold_clozes(
    tmp_path: Path, collection
):
    source = write(tmp_path, MEETINGS)
    out = tmp_path / "cards"
    output = extract_and_import(source, out, collection)
    assert f"Read {source}: introduction (line 3), 3 pillars, 6 principles;" in output
    deck = load_deck(out)
    assert deck.key == "meetings" and deck.name == "會議籌備手冊"
    assert deck.language == "zh-Hant" and deck.subdecks is True
    assert plain_text(deck.introduction) == (
        f"開好一次會議{C}功夫在會前、會中和會後。本手冊參考了辦公室工作規範和會議管理辦法的要求。"
    )  # a link keeps its text, code its text, emphasis its words; the image goes; the
    # line break joins Chinese text without a space
    assert [p.title for p in deck.pillars] == ["會前準備", "會中服務", "會後總結"]
    assert [[pr.title for pr in p.principles] for p in deck.pillars] == [
        ["確定議程", "準備會場"],  # ### titles
        ["準時開始", "做好記錄"],  # list items: a first sentence, a first clause
        ["及時整理紀要", "跟進落實"],  # an ordered list
    ]
    principles = [pr for p in deck.pillars for pr in p.principles]
    assert [phrases(pr.text) for pr in principles] == [
        ["會議議程"],
        ["投影設備", "麥克風"],
        ["簽到入座"],
        ["決定事項"],
        [f"{LQ}會議紀要{RQ}"],  # bold CommonMark does not close after a full-width mark
        ["落實情況"],  # __bold__
    ]
    assert plain_text(principles[1].text) == (
        f"要根據參會人數選擇會場{C}提前調試投影設備和麥克風{C}準備好座位牌和會議材料。"
    )
    assert plain_text(principles[3].text) == (
        f"要安排專人記錄會議內容{C}重點記下決定事項和分工{C}不遺漏任何一項任務。\n"
        f"記錄要客觀準確{C}不加入個人意見。"  # the nested item belongs to its item
    )
    assert principles[0].questions[0].question == f"{LQ}確定議程{RQ}的要點是什麼{Q}"
    pillar_file = (out / "2-pillar-2.yaml").read_text(encoding="utf-8")
    assert "  # line 19: [[marks]] from the document's bold text;" in pillar_file
    for path in out.glob("*.yaml"):
        text = path.read_text(encoding="utf-8")
        assert "**" not in text and "__" not in text and "](" not in text, path


def test_paragraphs_under_a_pillar_get_titles_as_in_plain_text(tmp_path: Path, collection):
    """Without ### titles, each paragraph is a principle, titled as in plain text; no
    bullet is ever left in a title, and a text without bold gets suggested clozes."""
    doc = f"""\
# 值班手冊

值班是辦公室的日常工作{C}關係到信息暢通和應急處置。

## 接聽電話

• 接聽電話要及時。鈴響三聲內接起{C}先自報單位{C}再問清來電事由和聯繫方式。

交接班。要當面交接未辦結的事項{C}填寫值班日誌{C}寫明時間、事由和處理結果。

## 應急處置

**遇到突發事件**

要立即向值班領導報告{C}按照應急預案通知相關部門{C}並做好全過程記錄。
"""
    source = write(tmp_path, doc, "duty.md")
    out = tmp_path / "cards"
    extract_and_import(source, out, collection)
    deck = load_deck(out)
    assert [[pr.title for pr in p.principles] for p in deck.pillars] == [
        ["接聽電話要及時", "交接班"],  # a typed bullet is no part of the title
        ["遇到突發事件"],  # a bold paragraph alone is the title of the next one
    ]
    suggested = deck.pillars[0].principles[1]
    assert 1 <= len(phrases(suggested.text)) <= 4  # no bold: jieba's suggestions
    pillar_file = (out / "1-pillar-1.yaml").read_text(encoding="utf-8")
    assert pillar_file.count("suggested by deckgen extract: review the [[marks]]") == 2


def test_a_markdown_document_without_pillar_headings_says_how_to_write_one(tmp_path: Path):
    source = write(tmp_path, "# 標題\n\n只有一段文字。\n", "flat.md")
    result = run_cli("extract", source, "-o", tmp_path / "cards")
    assert result.exit_code == 1
    assert (
        f"{source}:1:1: error: no pillar heading found: a pillar starts with a '## title' heading"
        in result.output
    )
    assert not (tmp_path / "cards").exists()


def test_markdown_structure_mistakes_are_reported_with_their_line(tmp_path: Path):
    doc = f"""\
# 檔案管理

檔案是機關工作的真實記錄。

### 孤立的小標題

# 一、歸檔

```
code
```

及時歸檔。要在辦結後一個月內把文件材料整理歸檔{C}不得積壓。

## 二、保管

### 防火防潮
"""
    source = write(tmp_path, doc, "archive.md")
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out)
    assert result.exit_code == 1  # pillar 二 has no principle
    lines = result.output.splitlines()
    assert lines == [
        f"{source}:5:1: warning: principle title '孤立的小標題' comes before the first pillar "
        "heading: read it as part of the introduction",
        f"{source}:7:1: warning: a second title '一\u3001歸檔' (the first is at line 1): read it "
        "as a pillar heading",
        f"{source}:9:1: warning: a code block is not part of a principle: skipped it",
        f"{source}:15:1: error: pillar 二\u3001保管 has no principles: add its paragraphs below "
        "the heading, or remove the heading",
        f"{source}:17:1: warning: principle title '防火防潮' has no text below it: skipped it",
        "Aborted with 1 error: nothing was written.",
    ]
    assert not out.exists()
