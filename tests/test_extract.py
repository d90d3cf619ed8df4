"""`deckgen extract`: a plain-text document into a cards folder that checks and builds."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import opencc
import pytest
import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from deckgen.chinese import chinese_numeral
from deckgen.cloze import phrases, plain_text
from deckgen.extract import yaml_scalar
from deckgen.generate import generate_notes
from deckgen.outline import split_title
from deckgen.validate import load_deck
from tests.helpers import (
    CO,
    FINANCE,
    PINYIN_ANNOTATION,
    ROOT,
    SC,
    SHIPPED_CARDS,
    C,
    Q,
    X,
    apply_rules,
    build,
    import_apkg,
    listed_corrections,
    run_cli,
    schema_valid,
    write_doc,
)

# Full-width punctuation (C, Q, X, CO, SC: , ? ! : ; in tests/helpers.py) and quotation
# marks, written as escapes: an editor that turns U+FF0C into ',' cannot touch "\uff0c".
LQ, RQ = "\u300c", "\u300d"  # Traditional quotation marks (corner brackets)
LS, RS = "\u201c", "\u201d"  # Simplified quotation marks (curly)


def corrected(text: str) -> str:
    """`text` with the corrections of the seed listed in the shipped deck.yaml applied."""
    pairs, rules = listed_corrections(SHIPPED_CARDS / "deck.yaml")
    for wrong, right in pairs:
        text = text.replace(wrong, right)
    return apply_rules(text, rules)


@pytest.fixture
def seed_cards(seed: Path, tmp_path: Path) -> Path:
    out = tmp_path / "seed-cards"
    result = run_cli("extract", seed, "-o", out, "--key", "seed", "--name", "Seed essay")
    assert result.exit_code == 0, result.output
    return out


def test_extract_the_seed_reports_what_it_found(seed: Path, tmp_path: Path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    result = run_cli("extract", seed, "--key", "seed")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == (
        f"Read {seed}: introduction (line 1), 4 pillars, 15 principles; "
        "removed 208 pinyin annotations."
    )
    assert [line.split()[0] for line in lines[1:5]] == [
        f"一、明確定位{C}樹立服務意識",
        f"二、內外兼修{C}樹立服務形象",
        f"三、統籌兼顧{C}明確服務重心",
        f"四、加強鍛煉{C}提升服務能力",
    ]
    assert [line.split()[-3:] for line in lines[1:5]] == [
        ["2", "3", "principles"],
        ["6", "3", "principles"],
        ["10", "3", "principles"],
        ["14", "6", "principles"],
    ]
    assert lines[5] == "Wrote cards/seed/: deck.yaml and 4 pillar files."
    assert sorted(p.name for p in (tmp_path / "cards" / "seed").iterdir()) == [
        "1-pillar-1.yaml",
        "2-pillar-2.yaml",
        "3-pillar-3.yaml",
        "4-pillar-4.yaml",
        "deck.yaml",
    ]


def test_the_seed_gives_the_shipped_structure_and_clean_text(seed_cards: Path):
    extracted = load_deck(seed_cards)
    shipped = load_deck(SHIPPED_CARDS)
    assert [len(p.principles) for p in extracted.pillars] == [3, 3, 3, 6]
    assert [p.title for p in extracted.pillars] == [p.title for p in shipped.pillars]
    # Titles and text are the seed's, pinyin removed: the shipped deck's once its
    # documented corrections of the seed (關系 -> 關係, 范圍 -> 範圍, ...) are applied.
    pairs = [
        (e, s)
        for ep, sp in zip(extracted.pillars, shipped.pillars, strict=True)
        for e, s in zip(ep.principles, sp.principles, strict=True)
    ]
    assert len(pairs) == 15
    for e, s in pairs:
        assert corrected(e.title) == s.title
        assert corrected(plain_text(e.text)) == plain_text(s.text), s.id
    assert corrected(plain_text(extracted.introduction)) == plain_text(shipped.introduction)
    assert "促進和諧人際關系" in [e.title for e, _ in pairs]  # as in the seed
    for path in seed_cards.iterdir():
        assert not PINYIN_ANNOTATION.search(path.read_text(encoding="utf-8")), path


def test_the_seed_gets_suggestions_to_review(seed_cards: Path):
    deck = load_deck(seed_cards)
    assert deck.key == "seed" and deck.name == "Seed essay"
    assert phrases(deck.introduction) == [
        "服務意識",
        "樹立服務形象",
        "明確服務重心",
        "提升服務能力",
    ]
    ids = set()
    for index, pillar in enumerate(deck.pillars, start=1):
        assert pillar.id == f"pillar-{index}"
        for number, principle in enumerate(pillar.principles, start=1):
            assert principle.id == f"principle-{index}-{number}"
            ids.add(principle.id)
            marked = phrases(principle.text)
            assert 2 <= len(marked) <= 4, (principle.id, marked)
            for phrase in marked:
                assert phrase not in principle.title and phrase not in pillar.title
            [question] = principle.questions
            assert question.id == "key-point"
            assert question.question == f"{LQ}{principle.title}{RQ}的要點是什麼{Q}"
            assert 0 < len(question.answer) <= 20
            assert question.answer in plain_text(principle.text)
    assert len(ids) == 15
    for path in sorted(seed_cards.glob("[0-9]-*.yaml")):
        text = path.read_text(encoding="utf-8")
        items = text.count("\n  - id: ")
        assert (
            text.count(
                ": suggested by deckgen extract: review the [[marks]] and the question\n  - id:"
            )
            == items
        )


def test_the_seed_extraction_passes_check_and_builds_and_imports(
    seed_cards: Path, collection, tmp_path: Path
):
    checked = run_cli("check", "--cards", seed_cards)
    assert checked.exit_code == 0, checked.output
    assert checked.output == f"Checked {seed_cards}: 0 errors, 0 warnings.\n"
    out = tmp_path / "seed.apkg"
    build(seed_cards, out)
    notes = generate_notes(load_deck(seed_cards))
    log = import_apkg(collection, out)
    assert len(log.new) == len(notes) == collection.note_count()
    assert not log.duplicate and not log.conflicting
    assert collection.decks.id_for_name("Seed essay")
    for nid in collection.find_notes(""):
        for value in collection.get_note(nid).fields:
            assert not PINYIN_ANNOTATION.search(value), value
    cloze_cards = collection.find_cards('"note:deckgen cloze (seed)"')
    assert len(cloze_cards) >= 2 * 15 + 4


def test_extraction_is_deterministic(seed: Path, seed_cards: Path, tmp_path: Path):
    again = tmp_path / "again"
    assert (
        run_cli("extract", seed, "-o", again, "--key", "seed", "--name", "Seed essay").exit_code
        == 0
    )
    for path in seed_cards.iterdir():
        assert (again / path.name).read_bytes() == path.read_bytes()


def test_a_simplified_document_gets_simplified_suggestions(seed: Path, tmp_path: Path, collection):
    simplified = opencc.OpenCC("t2s").convert(seed.read_text(encoding="utf-8"))
    source = write_doc(tmp_path, simplified, "simplified.txt")
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert "4 pillars, 15 principles; removed 208 pinyin annotations" in result.output
    deck = load_deck(out)
    assert deck.key == "simplified" and deck.name == "simplified"
    assert deck.question == f"本文的四个方面是什么{Q}"
    first = deck.pillars[0].principles[0]
    assert first.title == f"加强个人修养{C}提高思想境界"
    assert first.questions[0].question == f"{LS}加强个人修养{C}提高思想境界{RS}的要点是什么{Q}"
    assert len(phrases(first.text)) >= 2
    build(out, tmp_path / "simplified.apkg")
    assert len(import_apkg(collection, tmp_path / "simplified.apkg").new) > 0


SMALL_DOC = """\
工作手冊
做好工作要講方法。本文談準備、執行和總結三個方面。

一、充分準備
明確目標。要提前準備好材料,明確目標和時限,做到心中有數、有備無患。
二,認真執行
按計劃執行。要嚴格按照計劃推進,及時發現問題,靈活調整方案,確保按時完成任務。
十十、總結提高
總結經驗。要及時總結經驗教訓,形成制度規範,不斷提高工作水平和效率。
"""


def test_a_malformed_heading_is_reported_with_its_line(tmp_path: Path):
    source = write_doc(tmp_path, SMALL_DOC)
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out, "--key", "handbook")
    assert result.exit_code == 0, result.output
    assert (
        f"{source}:6:1: warning: heading '二,認真執行' has ',' after its numeral: read it "
        "as pillar 二; write '二、認真執行' in the document"
    ) in result.output
    assert (
        f"{source}:8:1: warning: cannot read '十十' as a number: read the line as pillar 3"
    ) in result.output
    assert f"Read {source}: introduction (line 2), 3 pillars, 3 principles;" in result.output
    deck = load_deck(out)
    assert deck.name == "工作手冊"  # the title line names the deck
    assert plain_text(deck.introduction) == "做好工作要講方法。本文談準備、執行和總結三個方面。"
    assert deck.question == f"{LQ}工作手冊{RQ}的三個方面是什麼{Q}"
    assert [p.title for p in deck.pillars] == ["充分準備", "認真執行", "總結提高"]
    assert [p.principles[0].title for p in deck.pillars] == ["明確目標", "按計劃執行", "總結經驗"]
    build(out, tmp_path / "handbook.apkg")


def test_headings_out_of_sequence_and_beyond_ten(tmp_path: Path):
    pillars = "".join(
        f"{chinese_numeral(n)}、第{n}部分\n原則{n}。要做好第{n}部分的工作,確保質量。\n"
        for n in [1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 13]
    )
    source = write_doc(tmp_path, "這是一篇介紹。\n" + pillars)
    result = run_cli("extract", source, "-o", tmp_path / "cards", "--key", "many")
    assert result.exit_code == 0, result.output
    assert "12 pillars, 12 principles" in result.output
    assert "十一、第11部分" in result.output
    assert (
        f"{source}:24:1: warning: heading 十三、 where 十二、 was expected: the pillars are "
        "numbered in the order they come"
    ) in result.output
    assert len(load_deck(tmp_path / "cards").pillars) == 12


def test_an_empty_pillar_is_an_error_and_nothing_is_written(tmp_path: Path):
    source = write_doc(
        tmp_path, "介紹。\n一、第一部分\n二、第二部分\n原則。要做好工作,確保質量和進度。\n"
    )
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out, "--key", "x")
    assert result.exit_code == 1
    assert (
        f"{source}:2:1: error: pillar 一、第一部分 has no principles: add its paragraphs below "
        "the heading, or remove the heading"
    ) in result.output
    assert result.output.rstrip().endswith("Aborted with 1 error: nothing was written.")
    assert not out.exists()


def test_a_document_without_headings_is_an_error(tmp_path: Path):
    source = write_doc(tmp_path, "只是一段文字。沒有任何標題。\n")
    result = run_cli("extract", source, "-o", tmp_path / "cards", "--key", "x")
    assert result.exit_code == 1
    assert f"{source}:1:1: error: no pillar heading found" in result.output


def test_title_only_lines_and_missing_introduction(tmp_path: Path):
    doc = (
        "一、準備\n"
        "明確目標\n"  # a title line: the title of the next paragraph
        "要提前準備好材料,明確目標和時限,做到心中有數。\n"
        "孤立的標題\n"  # nothing follows it in this pillar
        "二、執行\n"
        "按計劃執行。要嚴格按照計劃推進,及時發現問題,確保按時完成。\n"
    )
    source = write_doc(tmp_path, doc)
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out, "--key", "plan")
    assert result.exit_code == 0, result.output
    assert (
        f"{source}:1:1: warning: no introduction before the first heading; wrote one that "
        "lists the pillars"
    ) in result.output
    assert (
        f"{source}:4:1: warning: '孤立的標題' looks like a title, but no paragraph follows it: "
        "skipped it"
    ) in result.output
    deck = load_deck(out)
    assert plain_text(deck.introduction) == f"本文分為二個方面{CO}一、準備{SC}二、執行。"
    first = deck.pillars[0].principles
    assert [(p.title, plain_text(p.text)) for p in first] == [
        ("明確目標", f"要提前準備好材料{C}明確目標和時限{C}做到心中有數。")
    ]
    build(out, tmp_path / "plan.apkg")


def test_a_title_line_alone_is_not_an_introduction(tmp_path: Path):
    doc = "工作方法\n一、方法\n講求方法。要善於總結規律,提高效率,避免重複勞動。\n"
    source = write_doc(tmp_path, doc)
    result = run_cli("extract", source, "-o", tmp_path / "cards", "--key", "x")
    assert result.exit_code == 0, result.output
    assert (
        f"{source}:2:1: warning: no introduction before the first heading (line 1 is read as "
        "the title); wrote one that lists the pillars"
    ) in result.output
    assert load_deck(tmp_path / "cards").name == "工作方法"


def test_a_multi_line_introduction_is_a_literal_block(tmp_path: Path):
    doc = (
        "第一段介紹,講背景和目的。\n第二段介紹,講方法和要求。\n"
        "一、方法\n講求方法。要善於總結規律,提高效率,避免重複勞動。\n"
    )
    out = tmp_path / "cards"
    result = run_cli("extract", write_doc(tmp_path, doc), "-o", out, "--key", "x")
    assert result.exit_code == 0, result.output
    assert "introduction (line 1-2)" in result.output
    assert "introduction: |-\n  第一段" in (out / "deck.yaml").read_text(encoding="utf-8")
    deck = load_deck(out)
    assert (
        plain_text(deck.introduction) == f"第一段介紹{C}講背景和目的。\n第二段介紹{C}講方法和要求。"
    )
    build(out, tmp_path / "x.apkg")


def test_never_overwrites_without_force(tmp_path: Path):
    source = write_doc(tmp_path, SMALL_DOC)
    out = tmp_path / "cards"
    assert run_cli("extract", source, "-o", out, "--key", "handbook").exit_code == 0
    (out / "deck.yaml").write_text("key: edited\n", encoding="utf-8")
    (out / "9-mine.yaml").write_text("id: mine\n", encoding="utf-8")

    refused = run_cli("extract", source, "-o", out, "--key", "handbook")
    assert refused.exit_code == 1
    assert (
        f"error: {out} already holds 1-pillar-1.yaml, 2-pillar-2.yaml, 3-pillar-3.yaml, "
        "9-mine.yaml, deck.yaml; pass --force to overwrite, or choose another folder with -o"
    ) in refused.output
    assert (out / "deck.yaml").read_text(encoding="utf-8") == "key: edited\n"

    forced = run_cli("extract", source, "-o", out, "--key", "handbook", "--force")
    assert forced.exit_code == 0, forced.output
    assert (out / "deck.yaml").read_text(encoding="utf-8").count("key: handbook") == 1
    assert f"note: {out / '9-mine.yaml'} was there before and is still read" in forced.output


def test_bad_key_and_unreadable_documents(tmp_path: Path):
    source = write_doc(tmp_path, SMALL_DOC)
    bad = run_cli("extract", source, "--key", "Not A Slug")
    assert bad.exit_code == 2
    assert "'Not A Slug' is not an ASCII kebab-case slug" in bad.output
    gbk = tmp_path / "gbk.txt"
    gbk.write_bytes("介紹。\n一、標題\n".encode("gb18030"))
    result = run_cli("extract", gbk, "-o", tmp_path / "cards")
    assert result.exit_code == 1
    assert f"error: {gbk}:1: the document is not UTF-8" in result.output
    assert "Traceback" not in result.output


@pytest.mark.process
def test_extract_is_quiet_and_keeps_jieba_out_of_the_shared_temp_folder(tmp_path: Path):
    """jieba logs to stderr and caches in the shared temp folder unless told otherwise."""
    source = write_doc(tmp_path, SMALL_DOC)
    temp = tmp_path / "temp"
    temp.mkdir()
    env = {**os.environ, "TMPDIR": str(temp)}
    proc = subprocess.run(
        [sys.executable, "-m", "deckgen.cli", "extract", str(source), "-o", str(tmp_path / "c")],
        capture_output=True,
        text=True,
        env=env,
        cwd=tmp_path,
    )
    assert proc.returncode == 0, proc.stderr
    warnings = [line for line in proc.stderr.splitlines() if ": warning: " not in line]
    assert warnings == []
    assert list(temp.iterdir()) == []


LEADER = "服務領導,要多看多聽多想,深入了解領導工作風格、思路,做到與領導思想上同頻共振。"
LONG = "這是一個很長很長很長很長很長很長很長的句子沒有逗號。後面。"


@pytest.mark.parametrize(
    ("paragraph", "title", "text"),
    [
        ("加強個人修養,提高思想境界。要樹立正確的價值觀。", "加強個人修養,提高思想境界",
         "要樹立正確的價值觀。"),
        (LEADER, "服務領導", LEADER.removeprefix("服務領導,")),
        ("掌握業務。必須爭做多面手。", "掌握業務", "必須爭做多面手。"),
        ("做到!然後呢?", "做到", "然後呢?"),
        (LONG, None, None),
    ],
)  # fmt: skip
def test_split_title(paragraph: str, title: str | None, text: str | None):
    found = split_title(paragraph)
    if title is None:
        assert found is None
    else:
        assert found is not None
        end, rest = found
        assert (paragraph[:end], paragraph[rest:]) == (title, text)


@settings(max_examples=500)
@given(st.text(alphabet=st.characters(exclude_categories=["Cs"]), max_size=40))
def test_yaml_scalar_round_trips_on_one_line(value: str):
    written = yaml_scalar(value)
    assert not any(ch in written for ch in "\n\r\x85\u2028\u2029")
    assert yaml.safe_load(f"key: {written}\n")["key"] == value


# --- documents with full-width punctuation, as most Chinese documents are -------------------

LIBRARY = f"""\
圖書館讀者服務
圖書館是城市的書房{C}讀者服務是圖書館工作的核心。做好讀者服務{C}要做到熱情接待、精準推薦、持續改進。

一、熱情接待{C}營造溫馨環境
主動問候讀者。讀者進館時要面帶微笑{C}主動問候{C}耐心解答借閱規則和館藏分布等問題。
保持館舍整潔。要定期整理書架和閱覽桌椅{C}保持通道暢通、光線充足{C}讓讀者安心閱讀。
二{C}精準推薦{C}滿足閱讀需求
了解讀者興趣{C}要通過借閱記錄掌握讀者的閱讀偏好{C}為不同年齡的讀者推薦合適的書目。
舉辦主題書展{C}要結合節日和時事策劃專題展覽{C}把冷門好書擺到顯眼位置{C}提高館藏利用率。
三{CO}持續改進{C}提升服務品質
重視讀者意見{X}要設立意見箱和線上留言板{C}每月彙總讀者建議{C}並在公告欄公布改進措施。
館員為何要進修{Q}要定期參加業務培訓{C}學習數字資源檢索和閱讀推廣的新方法{C}提高專業水平。
"""


def test_full_width_punctuation_is_read_in_a_traditional_document(tmp_path: Path, collection):
    """extract tested `,` twice where U+FF0C was meant: titles cut at a full-width comma
    were swallowed, and headings with a full-width comma or colon after their numeral
    were read as principles of pillar 一."""
    source = write_doc(tmp_path, LIBRARY, "library.txt")
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert (
        f"{source}:7:1: warning: heading '二{C}精準推薦{C}滿足閱讀需求' has '{C}' after its "
        f"numeral: read it as pillar 二; write '二、精準推薦{C}滿足閱讀需求' in the document"
    ) in result.output
    assert (
        f"{source}:10:1: warning: heading '三{CO}持續改進{C}提升服務品質' has '{CO}' after "
        f"its numeral: read it as pillar 三; write '三、持續改進{C}提升服務品質' in the document"
    ) in result.output
    assert f"Read {source}: introduction (line 2), 3 pillars, 6 principles;" in result.output
    deck = load_deck(out)
    assert deck.name == "圖書館讀者服務"
    assert (deck.language, deck.subdecks) == ("zh-Hant", True)
    assert [p.title for p in deck.pillars] == [
        f"熱情接待{C}營造溫馨環境",
        f"精準推薦{C}滿足閱讀需求",
        f"持續改進{C}提升服務品質",
    ]
    assert [[pr.title for pr in p.principles] for p in deck.pillars] == [
        ["主動問候讀者", "保持館舍整潔"],
        ["了解讀者興趣", "舉辦主題書展"],  # the clause before the first full-width comma
        ["重視讀者意見", "館員為何要進修"],  # the first sentence, up to a full-width ! or ?
    ]
    principles = [pr for p in deck.pillars for pr in p.principles]
    assert plain_text(principles[2].text) == (
        f"要通過借閱記錄掌握讀者的閱讀偏好{C}為不同年齡的讀者推薦合適的書目。"
    )
    assert plain_text(principles[4].text) == (
        f"要設立意見箱和線上留言板{C}每月彙總讀者建議{C}並在公告欄公布改進措施。"
    )
    # The suggested answer is the first short clause that says what to do, not a list.
    assert [pr.questions[0].answer for pr in principles] == [
        "讀者進館時要面帶微笑",  # no clause opens with 要: the first one
        "要定期整理書架和閱覽桌椅",
        "要通過借閱記錄掌握讀者的閱讀偏好",
        "要結合節日和時事策劃專題展覽",
        "要設立意見箱和線上留言板",
        "要定期參加業務培訓",
    ]
    checked = run_cli("check", "--cards", out)
    assert checked.exit_code == 0, checked.output
    build(out, tmp_path / "library.apkg")
    log = import_apkg(collection, tmp_path / "library.apkg")
    assert len(log.new) == len(generate_notes(deck)) and not log.conflicting


def test_full_width_punctuation_is_read_in_a_simplified_document(tmp_path: Path, collection):
    source = write_doc(tmp_path, FINANCE, "finance.txt")
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out)
    assert result.exit_code == 0, result.output
    assert f"{source}:7:1: warning: heading '二{CO}储蓄{C}先存后花' has '{CO}'" in result.output
    assert f"Read {source}: introduction (line 2-3), 3 pillars, 6 principles;" in result.output
    deck = load_deck(out)
    assert deck.name == "家庭理财的三个习惯"
    assert (deck.language, deck.subdecks) == ("zh-Hans", True)
    assert deck.question == f"{LS}家庭理财的三个习惯{RS}的三个方面是什么{Q}"
    assert plain_text(deck.introduction) == (
        f"理财不是有钱人的专利{C}而是每个家庭都需要的生活技能。\n养成好习惯{C}比追求高收益更重要。"
    )
    assert [p.title for p in deck.pillars] == [
        f"记账{C}看清钱的去向",
        f"储蓄{C}先存后花",
        f"投资{C}稳健为先",
    ]
    assert [[pr.title for pr in p.principles] for p in deck.pillars] == [
        ["坚持每日记账", "区分需要和想要"],
        ["设立应急基金", "工资到账先储蓄"],  # a title line alone; a sentence up to a full-width !
        ["不懂的产品不碰", "分散投资降低风险"],
    ]
    principles = [pr for p in deck.pillars for pr in p.principles]
    assert [pr.questions[0].answer for pr in principles] == [
        "要把每一笔收入和支出都记录下来",
        "购物前先问自己是否真的需要",
        "要预留三到六个月的生活费作为应急基金",
        "要在发工资当天就把固定比例转入储蓄账户",
        "要先学习基础的金融知识",
        "要把资金分配到不同类型的资产中",
    ]
    checked = run_cli("check", "--cards", out)
    assert checked.exit_code == 0, checked.output
    build(out, tmp_path / "finance.apkg")
    log = import_apkg(collection, tmp_path / "finance.apkg")
    assert len(log.new) == len(generate_notes(deck)) and not log.conflicting


TEA = f"""\
泡茶的學問
泡好一壺茶{C}要講究水溫、時間和器具。
一、掌握水溫
綠茶宜用低溫。沖泡綠茶要用八十度左右的水{C}水溫太高會燙熟茶葉{C}使茶湯苦澀。
二、控制時間
注意出湯時間。第一泡宜短{C}讓茶葉慢慢舒展{C}第二泡起逐漸延長浸泡時間{C}才能泡出茶湯的層次和回甘。
"""


def test_suggested_clozes_are_words_of_jiebas_dictionary(tmp_path: Path):
    """jieba's HMM proposes character runs it has never seen as words, and ranks them
    first: the suggestion was 第一[[泡宜]]短."""
    import jieba
    import jieba.analyse

    from deckgen.extract import jieba_keywords

    text = TEA.splitlines()[-1].split("\u3002", 1)[1]
    simplified = opencc.OpenCC("t2s").convert(text)
    proposed = jieba.analyse.extract_tags(simplified, topK=5, allowPOS=("n", "l", "i", "vn"))
    assert proposed[0] == "泡宜" and "泡宜" not in jieba.dt.FREQ  # what jieba offers
    assert "泡宜" not in jieba_keywords()(text, 12)

    out = tmp_path / "cards"
    result = run_cli("extract", write_doc(tmp_path, TEA, "tea.txt"), "-o", out)
    assert result.exit_code == 0, result.output
    marked = [m for p in load_deck(out).pillars for pr in p.principles for m in phrases(pr.text)]
    assert marked, "no suggestion at all"
    to_simplified = opencc.OpenCC("t2s").convert
    assert [m for m in marked if jieba.dt.FREQ.get(to_simplified(m), 0) == 0] == []


def test_a_file_name_without_ascii_asks_for_a_key(tmp_path: Path):
    """A file name like 文章.txt gave the key 'deck' without a word: every such deck
    collided with the next."""
    source = write_doc(tmp_path, SMALL_DOC, "文章.txt")
    out = tmp_path / "cards"
    result = run_cli("extract", source, "-o", out)
    assert result.exit_code == 1
    assert result.output == (
        "error: cannot make a deck key from the file name '文章.txt': it has no ASCII letters "
        "or digits; pass one with --key, e.g. --key my-essay (the key is permanent: part of "
        "every note's identity)\n"
    )
    assert not out.exists()
    assert run_cli("extract", source, "-o", out, "--key", "handbook").exit_code == 0
    assert load_deck(out).key == "handbook"


def test_files_point_editors_at_the_schemas_of_their_project(tmp_path: Path, monkeypatch):
    """Inside a project with schemas/ (deckgen's own checkout, or one that keeps them),
    each file's first line is the YAML language server's schema line, as in cards/."""
    project = tmp_path / "project"
    (project / "schemas").mkdir(parents=True)
    for kind in ("deck", "pillar"):
        schema = ROOT / "schemas" / f"{kind}.schema.json"
        (project / "schemas" / schema.name).write_bytes(schema.read_bytes())
    monkeypatch.chdir(project)
    source = write_doc(tmp_path, LIBRARY, "library.txt")
    result = run_cli("extract", source)  # into cards/library, as the README has it
    assert result.exit_code == 0, result.output
    assert "no schemas/ folder" not in result.output
    folder = project / "cards" / "library"
    for path in sorted(folder.glob("*.yaml")):
        kind = "deck" if path.name == "deck.yaml" else "pillar"
        first = path.read_text(encoding="utf-8").splitlines()[0]
        assert first == f"# yaml-language-server: $schema=../../schemas/{kind}.schema.json"
        assert (path.parent / first.split("=", 1)[1]).resolve().is_file()
        assert schema_valid(yaml.safe_load(path.read_text(encoding="utf-8")), kind), path


def test_outside_a_project_with_schemas_the_summary_says_where_to_look(tmp_path: Path):
    out = tmp_path / "elsewhere" / "library"
    result = run_cli("extract", write_doc(tmp_path, LIBRARY, "library.txt"), "-o", out)
    assert result.exit_code == 0, result.output
    assert (
        f"  note: no schemas/ folder with deckgen's JSON Schemas in or above {out}, so the "
        "files do not point your editor at one; see the README, 'Completion and errors in "
        "your editor'"
    ) in result.output.splitlines()
    first = (out / "deck.yaml").read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# Written by `deckgen extract`")
