from bench.doc_block import write_block


def test_block_is_appended_then_replaced_in_place(tmp_path):
    doc = tmp_path / "docs" / "page.md"
    write_block(doc, "eval-x", ["| a |", "| 1 |"], "Evaluation", "Page")
    first = doc.read_text(encoding="utf-8")
    assert first.startswith("# Page\n\n## Evaluation\n\n<!-- eval-x:start -->\n| a |")
    doc.write_text(first + "\nProse after the block.\n", encoding="utf-8")
    write_block(doc, "eval-x", ["| b |"], "Evaluation", "Page")
    text = doc.read_text(encoding="utf-8")
    assert "| a |" not in text and "<!-- eval-x:start -->\n| b |\n<!-- eval-x:end -->" in text
    assert text.count("## Evaluation") == 1 and text.endswith("Prose after the block.\n")
