"""Reading article files: the seeds as shipped, front matter, and every kind of bad file."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tui.ingest import CorpusError, article_files, name_in, parse_article, read_corpus

SEEDS = Path(__file__).resolve().parents[1] / "seeds"


def test_seeds_give_27_paragraphs_and_4_headings():
    read = read_corpus(SEEDS)
    assert [len(a.paragraphs) for a in read.articles] == [15, 12]
    assert sum(len(a.headings) for a in read.articles) == 4
    assert read.problems == []


def test_seed_metadata_is_inferred_from_the_raw_text():
    first, second = read_corpus(SEEDS).articles
    assert first.date == dt.date(2026, 2, 4)
    assert first.paragraphs[0].text.startswith("Pakistan and Kazakhstan have signed 37 pacts")
    assert second.date is None
    assert second.place == "Islamabad"
    assert second.title.startswith("Pakistan and Kazakhstan on Tuesday signed a joint declaration")
    assert len(second.title) <= 90
    assert "Today's E-Paper" not in " ".join(p.text for p in second.paragraphs)
    assert second.paragraphs[3].heading == "Trade, connectivity, and energy cooperation"
    assert second.paragraphs[3].ref == "001_b7e318ca484bc110:4"


def test_seeds_are_the_shared_copies_byte_for_byte():
    shared = SEEDS.parents[1] / "shared" / "seeds"
    if not shared.is_dir():  # the shared folder sits beside a checkout; CI has it too
        pytest.fail("shared/seeds not found beside the checkout")
    for original in shared.iterdir():
        assert (SEEDS / original.name).read_bytes() == original.read_bytes()


def test_front_matter_overrides_inference():
    text = '+++\ntitle = "A title"\ndate = 2026-02-05\nsource = "Wire"\nplace = "Astana"\n+++\n' \
           "ISLAMABAD — Body one.\n\nBody two.\n"
    article, notes = parse_article("a", Path("a.md"), text)
    assert (article.title, article.date, article.source, article.place) == \
        ("A title", dt.date(2026, 2, 5), "Wire", "Astana")
    assert [p.text for p in article.paragraphs] == ["ISLAMABAD — Body one.", "Body two."]
    assert notes == []


def test_bad_front_matter_is_reported_and_the_body_still_read():
    article, notes = parse_article("a", Path("a.md"), "+++\ntitle = \n+++\nBody.\n")
    assert [p.text for p in article.paragraphs] == ["Body."]
    assert notes and notes[0].startswith("front matter ignored")


def test_blank_line_blocks_join_their_lines_and_headings_group_paragraphs():
    text = "First line of a\nparagraph.\n\nA Heading\n\nUnder the heading.\n\nAlso under it.\n"
    article, _ = parse_article("a", Path("a.txt"), text)
    assert [p.text for p in article.paragraphs] == \
        ["First line of a paragraph.", "Under the heading.", "Also under it."]
    assert [p.heading for p in article.paragraphs] == ["", "A Heading", "A Heading"]


def test_boilerplate_lines_are_dropped():
    text = "Real news here.\nAdvertisement\nMore real news.\nRead more: other story\nShare this article\nSubscribe\n"
    article, _ = parse_article("a", Path("a.txt"), text)
    assert [p.text for p in article.paragraphs] == ["Real news here.", "More real news."]


def write(folder: Path, name: str, data: bytes) -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    return path


def test_bad_files_are_skipped_with_a_reason_and_the_rest_is_read(tmp_path):
    write(tmp_path, "a_good.txt", b"A good paragraph.\n")
    write(tmp_path, "b_empty.txt", b"  \n\n")
    write(tmp_path, "c_binary.txt", b"\x89PNG\x00\x00\x01junk")
    write(tmp_path, "d_big.txt", b"x" * (5 * 1024 * 1024 + 1))
    write(tmp_path, "e_cp1252.txt", "Caf\u00e9 \u201cquoted\u201d.\n".encode("cp1252"))
    write(tmp_path, "f_bom.txt", b"\xef\xbb\xbfWith a BOM.\n")
    write(tmp_path, "g_utf16.md", "UTF-16 text.\r\nSecond line.\r\n".encode("utf-16"))
    write(tmp_path, "h_crlf.txt", b"Windows line one.\r\n\r\nWindows line two.\r\n")
    write(tmp_path, "notes.csv", b"ignored,file\n")
    read = read_corpus(tmp_path)
    texts = {a.id: [p.text for p in a.paragraphs] for a in read.articles}
    assert texts == {
        "a_good": ["A good paragraph."],
        "e_cp1252": ["Caf\u00e9 \u201cquoted\u201d."],
        "f_bom": ["With a BOM."],
        "g_utf16": ["UTF-16 text.", "Second line."],
        "h_crlf": ["Windows line one.", "Windows line two."],
    }
    reasons = {p.path: p.message for p in read.problems}
    assert reasons["b_empty.txt"] == "skipped: empty file"
    assert reasons["c_binary.txt"] == "skipped: binary file"
    assert reasons["d_big.txt"].startswith("skipped: too large")
    assert reasons["e_cp1252.txt"] == "not UTF-8; read as cp1252"
    assert all("\n" not in str(p) for p in read.problems)


def test_unreadable_file_is_skipped(tmp_path, monkeypatch):
    write(tmp_path, "a.txt", b"Readable.\n")
    locked = write(tmp_path, "locked.txt", b"Secret.\n")
    locked.chmod(0)
    real_open = Path.open

    def open_as_a_user(self, *args, **kwargs):  # root reads anything: act as a user would see it
        if self.name == "locked.txt":
            raise PermissionError(13, "Permission denied", str(self))
        return real_open(self, *args, **kwargs)

    monkeypatch.setattr(Path, "open", open_as_a_user)
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["a"]
    assert [str(p) for p in read.problems] == ["locked.txt: skipped: permission denied"]


def test_nested_folders_and_symlink_loops(tmp_path):
    write(tmp_path, "deep/er/still/a.txt", b"Deep paragraph.\n")
    (tmp_path / "deep" / "loop").symlink_to(tmp_path, target_is_directory=True)
    (tmp_path / "dangling.txt").symlink_to(tmp_path / "missing.txt")
    read = read_corpus(tmp_path)
    assert [a.id for a in read.articles] == ["deep/er/still/a"]
    assert [str(p) for p in read.problems] == ["dangling.txt: skipped: file vanished or is a broken link"]


def test_files_come_in_the_order_of_their_names_in_the_folder(tmp_path, monkeypatch):
    for name in ("b.txt", "a/z.txt", "a-b.txt", "a.md", "A/c.txt", "a b/d.txt", "é.txt"):
        write(tmp_path, name, b"A paragraph.\n")
    monkeypatch.chdir(tmp_path.parent)
    for folder in (tmp_path, Path(tmp_path.name)):  # absolute and relative
        paths = article_files(folder)
        names = [path.relative_to(folder).as_posix() for path in paths]
        assert names == sorted(names) == ["A/c.txt", "a b/d.txt", "a-b.txt", "a.md", "a/z.txt", "b.txt", "é.txt"]
        assert [name_in(folder, path) for path in paths] == names
    monkeypatch.chdir(tmp_path)  # "." lists "./b.txt", which Path writes "b.txt"
    assert [name_in(Path("."), path) for path in article_files(Path("."))][:2] == ["A/c.txt", "a b/d.txt"]


@pytest.mark.parametrize("folder, path, name", [
    ("/", "/a/b.txt", "a/b.txt"), ("//", "//a.txt", "a.txt"), ("/srv/news", "/srv/news/x y/é.md", "x y/é.md"),
    ("news", "news/a.txt", "a.txt"), ("news", "./news/a.txt", "a.txt"), (".", "a.txt", "a.txt"),
])
def test_a_files_name_in_the_folder_is_relative_to_as_posix(folder, path, name):
    assert name_in(Path(folder), Path(path)) == Path(path).relative_to(Path(folder)).as_posix() == name


def test_missing_corpus_folder_is_a_clear_error(tmp_path):
    with pytest.raises(CorpusError, match="corpus folder not found"):
        read_corpus(tmp_path / "nope")
