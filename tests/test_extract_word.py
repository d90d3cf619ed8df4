"""`deckgen extract essay.docx`: Word documents, written here with python-docx."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest

from deckgen.cloze import phrases, plain_text
from deckgen.validate import load_deck
from tests.helpers import extract_and_import, run_cli

# Full-width punctuation and quotation marks as escapes (see tests/test_chinese.py).
C, Q, X, CO = "\uff0c", "\uff1f", "\uff01", "\uff1a"
LS, RS = "\u201c", "\u201d"


def paragraph(document: docx.document.Document, *runs: str, style: str | None = None) -> None:
    """A paragraph of runs; a run written `**like this**` is bold."""
    p = document.add_paragraph(style=style)
    for run in runs:
        bold = run.startswith("**") and run.endswith("**")
        p.add_run(run.strip("*") if bold else run).bold = bold or None


def lab_safety(path: Path) -> Path:
    """A Simplified Chinese document of Word's own styles: Title, Heading 1 and 2, lists."""
    d = docx.Document()
    d.add_heading("实验室安全守则", level=0)  # the Title style
    paragraph(d, f"实验室安全关系到每个人的健康{C}必须人人重视。")  # 2
    d.add_heading("一、个人防护", level=1)  # 3
    d.add_heading("穿戴防护装备", level=2)
    paragraph(d, "进入实验室必须穿好", "**实验服**", f"{C}佩戴", "**护目镜**", "和手套。")
    d.add_heading("禁止饮食", level=2)
    paragraph(d, "实验室内严禁", "**饮食**", f"和吸烟{C}个人物品要放在指定区域。")
    d.add_heading("二、规范操作", level=1)  # 8
    paragraph(d, f"使用化学品前先阅读标签{C}要了解", "**危险等级**", "和正确的处理方法。",
              style="List Bullet")  # fmt: skip
    paragraph(d, "不确定时要先请教老师。", style="List Bullet 2")
    paragraph(d, f"保持台面整洁{X}用完的仪器要及时清洗归位{C}", "**废液**", "倒入指定容器。",
              style="List Bullet")  # fmt: skip
    d.add_paragraph("")  # 12: empty paragraphs count too
    d.add_heading("应急处理", level=1)  # 13: no numeral
    paragraph(d, f"发生火情时{C}要立即切断电源{C}使用", "**灭火器**", f"扑救{C}并按疏散路线撤离。")
    d.add_heading(f"四{CO}事故报告", level=1)  # 15
    paragraph(d, "及时上报。要在事故发生后一小时内向", "**安全负责人**", "报告经过。")
    d.save(str(path))
    return path


def test_word_gives_the_documents_pillars_principles_and_bold_clozes(tmp_path: Path, collection):
    source = lab_safety(tmp_path / "lab-safety.docx")
    out = tmp_path / "cards"
    output = extract_and_import(source, out, collection)
    assert (
        f"{source}:15:1: warning: heading '四{CO}事故报告' has '{CO}' after its numeral: read it "
        "as pillar 四; write '四\u3001事故报告' in the document"
    ) in output  # findings name the paragraph
    assert f"Read {source}: introduction (paragraph 2), 4 pillars, 6 principles;" in output
    deck = load_deck(out)
    assert deck.key == "lab-safety" and deck.name == "实验室安全守则"
    assert deck.language == "zh-Hans"
    assert plain_text(deck.introduction) == f"实验室安全关系到每个人的健康{C}必须人人重视。"
    assert [p.title for p in deck.pillars] == ["个人防护", "规范操作", "应急处理", "事故报告"]
    assert [[pr.title for pr in p.principles] for p in deck.pillars] == [
        ["穿戴防护装备", "禁止饮食"],  # Heading 2
        ["使用化学品前先阅读标签", "保持台面整洁"],  # list paragraphs
        ["发生火情时"],
        ["及时上报"],
    ]
    principles = [pr for p in deck.pillars for pr in p.principles]
    assert [phrases(pr.text) for pr in principles] == [
        ["实验服", "护目镜"],
        ["饮食"],
        ["危险等级"],
        ["废液"],
        ["灭火器"],
        ["安全负责人"],
    ]
    assert plain_text(principles[2].text) == (
        "要了解危险等级和正确的处理方法。\n不确定时要先请教老师。"  # the sub-item is its item's
    )
    # The wording follows the script: Simplified quotation marks, a full-width question mark.
    assert principles[0].questions[0].question == f"{LS}穿戴防护装备{RS}的要点是什么{Q}"
    assert deck.question == f"{LS}实验室安全守则{RS}的四个方面是什么{Q}"
    pillar_file = (out / "1-pillar-1.yaml").read_text(encoding="utf-8")
    assert "  # paragraph 4: [[marks]] from the document's bold text;" in pillar_file


def test_a_word_document_without_its_suffix_is_read_by_its_bytes(tmp_path: Path):
    """A .docx is a zip archive: read as one whatever it is called."""
    docx_file = lab_safety(tmp_path / "lab-safety.docx")
    for name in ("lab-safety.bin", "lab-safety.txt", "lab-safety"):
        source = tmp_path / name
        source.write_bytes(docx_file.read_bytes())
        result = run_cli("extract", source, "-o", tmp_path / "out" / name)
        assert result.exit_code == 0, result.output
        assert "4 pillars, 6 principles" in result.output


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        (
            "broken.docx",
            b"PK\x03\x04 not really a zip",
            "error: {source} cannot be read as a Word document (File is not a zip file); open "
            "it in Word and save it again as a Word Document (.docx), or give deckgen extract "
            "plain text (.txt), Markdown (.md) or Word (.docx)",
        ),
        (
            "notes.docx",
            "一、標題\n原則。要做好工作。\n".encode(),
            "error: {source} is not a Word document (a .docx file is a zip archive, and this "
            "one is not): save it again from Word as a Word Document (.docx)",
        ),
        (
            "old.doc",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(100),
            "error: {source} is a Word 97-2003 document: open it in Word and save it as a "
            "Word Document (.docx); deckgen extract reads plain text (.txt), Markdown (.md) "
            "or Word (.docx)",
        ),
    ],
)
def test_a_document_deckgen_cannot_read_is_a_clean_error(
    tmp_path: Path, name: str, content: bytes, message: str
):
    source = tmp_path / name
    source.write_bytes(content)
    result = run_cli("extract", source, "-o", tmp_path / "cards")
    assert result.exit_code == 1
    assert result.output.strip() == message.format(source=source)
    assert not (tmp_path / "cards").exists()


def test_a_zip_that_is_no_word_document_is_a_clean_error(tmp_path: Path):
    source = tmp_path / "archive.docx"
    with zipfile.ZipFile(source, "w") as archive:
        archive.writestr("hello.txt", "hello")
    result = run_cli("extract", source, "-o", tmp_path / "cards")
    assert result.exit_code == 1
    assert result.output.startswith(f"error: {source} cannot be read as a Word document (")
    assert "Traceback" not in result.output
