"""Body blocks: two trafilatura runs merged, the publisher's articleBody as a check."""

from __future__ import annotations

from lxml import html as lxml_html

from crawler.extraction.body import (
    Block,
    merge_runs,
    reconcile,
    render,
    run_trafilatura,
    structured_paragraphs,
)

PARAGRAPHS = [
    f"Paragraph {n} of the story about the Lachin corridor blockade, long enough to count as text for the extractor, with detail {n}."
    for n in range(1, 7)
]


def b(text: str, tag: str = "p", links: float = 0.0) -> Block:
    return Block(text, tag, links)


def test_merge_takes_balanced_blocks_between_shared_ones_only():
    precise = [b(PARAGRAPHS[1]), b(PARAGRAPHS[3])]
    balanced = [
        b("Headline repeated before the text", "head"),
        b(PARAGRAPHS[1]),
        b("A subheading inside the story", "head"),
        b("Related: some other story", "p", 1.0),
        b(PARAGRAPHS[3]),
        b("About the author: writes about the region."),
    ]
    merged = merge_runs(precise, balanced)
    assert [m.text for m in merged] == [
        PARAGRAPHS[1],
        "A subheading inside the story",
        PARAGRAPHS[3],
    ]


def test_merge_with_an_empty_run():
    blocks = [b(PARAGRAPHS[0])]
    assert merge_runs([], blocks) == blocks
    assert merge_runs(blocks, []) == blocks


def test_render_one_blank_line_between_paragraphs():
    assert render([b("  a \n\n b  "), b("- x\n- y", "list")]) == "a\n\nb\n\n- x\n\n- y"
    assert render([]) is None


def test_run_trafilatura_leaves_the_tree_alone_and_measures_links():
    text = "".join(f"<p>{p}</p>" for p in PARAGRAPHS)
    linked = 'The ministry published <a href="/x">its statement on the blockade</a> on Monday.'
    html = f"<html><body><article>{text}<p>{linked}</p></article></body></html>"
    tree = lxml_html.fromstring(html)
    before = lxml_html.tostring(tree)
    blocks = run_trafilatura(tree, precision=False)
    assert lxml_html.tostring(tree) == before
    assert blocks[0].text == PARAGRAPHS[0] and blocks[0].link_share == 0.0
    last = blocks[-1]
    assert last.text == "The ministry published its statement on the blockade on Monday."
    assert 0.4 < last.link_share < 0.6


def test_structured_paragraphs_plain_html_and_truncated():
    assert structured_paragraphs("One.\n\nTwo &amp; three.") == ["One.", "Two & three."]
    assert structured_paragraphs('<p class="x">One.</p>\r\n<p>Two<br>lines.</p>') == [
        "One.",
        "Two",
        "lines.",
    ]
    assert structured_paragraphs("Start of the story…") == []
    assert structured_paragraphs("Start of the story...") == []
    assert structured_paragraphs(["One.", "Two."]) == ["One.", "Two."]
    assert structured_paragraphs("Double &amp;quot;escaped&amp;quot;") == ['Double "escaped"']
    assert structured_paragraphs(None) == []


def test_reconcile_extraction_missing_part_of_the_published_body():
    published = [b(p) for p in PARAGRAPHS]
    extracted = [b(p) for p in PARAGRAPHS if "detail 4" not in p]
    assert [x.text for x in reconcile(extracted, published)] == PARAGRAPHS


def test_reconcile_drops_blocks_the_publisher_does_not_have():
    published = [b(p) for p in PARAGRAPHS]
    extracted = (
        [b(p) for p in PARAGRAPHS[:3]]
        + [b("Subscribe to the print edition for only nine dollars a month today.")]
        + [b(p) for p in PARAGRAPHS[3:]]
    )
    assert [x.text for x in reconcile(extracted, published)] == PARAGRAPHS


def test_reconcile_keeps_subheadings_missing_from_the_published_body():
    published = [b(p) for p in PARAGRAPHS]
    extracted = (
        [b(p) for p in PARAGRAPHS[:3]] + [b("Aftermath", "head")] + [b(p) for p in PARAGRAPHS[3:]]
    )
    assert [x.text for x in reconcile(extracted, published)][3] == "Aftermath"


def test_reconcile_failed_extraction_takes_the_published_body():
    published = [b(p) for p in PARAGRAPHS]
    assert [x.text for x in reconcile([b(PARAGRAPHS[0])], published)] == PARAGRAPHS


def test_reconcile_ignores_a_different_or_short_published_body():
    extracted = [b(p) for p in PARAGRAPHS]
    other = [
        b(
            f"A completely different text about football results and weather number {n}, nothing shared."
        )
        for n in range(8)
    ]
    assert reconcile(extracted, other) == extracted
    assert reconcile(extracted, [b("Too short.")]) == extracted
    assert reconcile(extracted, []) == extracted


def test_missing_share_ignores_paragraph_seams_and_counts_repeats():
    from crawler.extraction.body import missing_share, shingles

    text = " ".join(PARAGRAPHS)
    # The page puts a heading between two paragraphs: only seam shingles differ.
    page = "\n".join(PARAGRAPHS[:3] + ["Aftermath"] + PARAGRAPHS[3:])
    assert missing_share(text, shingles(page)) == 0.0
    # A passage the published text holds twice and the page once is missing once.
    quote = "their immune system behaves in an exaggerated fashion, said the doctor"
    doubled = f"{PARAGRAPHS[0]} {quote}. {PARAGRAPHS[1]} {quote}. {PARAGRAPHS[2]}"
    once = f"{PARAGRAPHS[0]} {quote}. {PARAGRAPHS[1]} {PARAGRAPHS[2]}"
    assert 0.1 < missing_share(doubled, shingles(once)) < 0.3
    assert missing_share("", shingles(page)) == 0.0
