"""Deterministic synthetic corpora for the benchmark: the seeds' sentences recombined with a word list.

Every corpus of N paragraphs is made from a fixed random seed, so two runs (and two machines) index
the same bytes. An article is a file with TOML front matter and about 20 paragraphs of about 60
words; a paragraph opens with one of the seeds' sentences (a few of its words swapped) about half
the time and goes on with sentences drawn from a Zipf-weighted vocabulary: the seeds' words, general
news words, the default taxonomy's terms (so sectors get tagged) and a long tail of invented names,
with a date phrase now and then (so the timeline has events). Standard library plus ``tui`` only.
"""

from __future__ import annotations

import datetime as dt
import itertools
import os
import random
import re
import shutil
import time
from pathlib import Path

from tui import index, ingest, sectors
from tui.text import sentence_spans

SEED = 20260203
VERSION = 2  # of the generator: a corpus made by another version is made again
SEEDS = Path(__file__).resolve().parents[1] / "seeds"
PARAGRAPHS_PER_ARTICLE = 20  # on average: 16..24
WORDS_PER_PARAGRAPH = 60  # on average: 45..75

STOPWORDS = ("the", "of", "and", "to", "in", "a", "for", "on", "with", "that", "by", "as", "is",
             "was", "at", "from", "its", "has", "will", "be", "an", "which", "their", "said")

NEWS_WORDS = """
government minister ministry officials official president prime cabinet parliament senate
committee council opposition party coalition election vote voters campaign policy policies reform
reforms budget fiscal deficit revenue tax taxes tariff tariffs subsidy subsidies inflation growth
economy economic economist market markets investors investment investments stocks shares bonds
currency exchange rate rates bank banks central lending loan loans credit debt repayment
industry industrial manufacturing factory factories exports imports exporters shipment cargo
freight logistics port ports harbour terminal railway rail road highway corridor transit border
customs visa visas tourism tourists airline flights airport aviation route routes
security defence military army troops soldiers navy exercise exercises drills terrorism militants
attack attacks police arrest court judge ruling verdict law laws legislation bill amendment
energy power electricity grid oil gas pipeline refinery crude petroleum coal nuclear solar wind
hydropower dam water irrigation drought flood floods climate emissions carbon environment
agriculture farmers wheat rice cotton crops harvest livestock food prices fertiliser
education students university universities schools teachers scholarships research science
health hospital hospitals doctors patients vaccine disease outbreak medicine pharmaceutical
technology digital internet telecom startups software data cyber satellite space innovation
mining minerals copper uranium gold lithium rare earths exploration deposits
construction housing infrastructure project projects contract contracts tender bid bidders
company companies firm firms chief executive board shareholders profit profits losses revenue
workers jobs employment unemployment wages labour union strike protest protesters rally
media journalists newspaper television broadcast interview statement spokesperson sources
meeting meetings talks negotiations summit visit delegation agreement agreements memorandum
signed signing ceremony treaty partnership cooperation relations ties dialogue consultations
region regional neighbouring countries nations international global foreign domestic national
province provincial district city capital villages rural urban residents community communities
billion million thousand percent figures statistics report survey estimate forecast target
increase decrease rise fall surge decline record highest lowest quarter annual monthly weekly
plan plans programme strategy framework initiative proposal proposals measures steps efforts
crisis conflict war peace ceasefire humanitarian aid refugees migrants relief assistance
""".split()

DATE_PHRASES = ("on Monday", "on Tuesday", "on Wednesday", "on Thursday", "on Friday",
                "last week", "last month", "last year", "next month", "next year", "later this year",
                "earlier this month", "two years ago", "in 2019", "in 2021", "in 2023", "since 2015",
                "by 2030", "within the next year", "this week", "yesterday")
MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August", "September",
          "October", "November", "December")
SOURCES = ("Dawn", "The Express Tribune", "The News", "Astana Times", "Kazinform", "APP", "Reuters",
           "Business Recorder", "Daily Times", "Tengrinews")
PLACES = ("Islamabad", "Astana", "Karachi", "Lahore", "Almaty", "Tashkent", "Kabul", "Moscow",
          "Beijing", "Geneva")
SYLLABLES = ("ka", "ra", "zan", "mir", "bek", "tor", "sha", "lin", "dar", "ul", "no", "ves", "ta",
             "gor", "an", "isk", "ab", "ol", "em", "yur", "stan", "pur", "kel", "zi", "mo", "rat")


def seed_sentences() -> list[str]:
    read = ingest.read_corpus(SEEDS)
    found = []
    for article in read.articles:
        for paragraph in article.paragraphs:
            for start, end in sentence_spans(paragraph.text):
                sentence = paragraph.text[start:end].strip()
                if len(sentence.split()) >= 5:
                    found.append(sentence)
    return found


class Vocabulary:
    """Content words ranked for a Zipf draw; multi-word taxonomy terms count as one draw."""

    def __init__(self, rng: random.Random, sentences: list[str]):
        seen: dict[str, int] = {}
        for sentence in sentences:
            for word in re.findall(r"[A-Za-z][A-Za-z'-]+", sentence):
                if word.lower() not in STOPWORDS:
                    seen[word] = seen.get(word, 0) + 1
        seed_words = sorted(seen, key=lambda w: (-seen[w], w))
        taxonomy = sectors.default_taxonomy()
        terms = sorted({term for sector in taxonomy.walk() for term in sector.terms})
        tagger = sectors.compile_taxonomy(taxonomy, index.analyze)
        names = sorted({"".join(rng.choice(SYLLABLES) for _ in range(rng.randint(2, 4))).capitalize()
                        for _ in range(30_000)})
        rng.shuffle(names)
        words = [w for w in seed_words if w.islower()] + NEWS_WORDS
        commons = [w for w in words if tagger.tag(w) == (sectors.OTHER,)]  # common, about nothing
        rng.shuffle(commons)
        rare = [w for w in seed_words if not w.islower()] + terms + [w for w in words if w not in commons]
        rng.shuffle(rare)
        # ranks ~1000-3000: each paragraph names one or two sectors' terms, as news paragraphs do
        mixed = [word for pair in itertools.zip_longest(rare, names[500:500 + 2 * len(rare)][::2])
                 for word in pair if word]
        self.words = list(dict.fromkeys(commons + names[:500] + mixed + names[500:]))
        self.cum = list(itertools.accumulate(1.0 / (rank + 2.7) ** 1.07 for rank in range(len(self.words))))

    def draw(self, rng: random.Random, k: int) -> list[str]:
        return rng.choices(self.words, cum_weights=self.cum, k=k)


class Generator:
    def __init__(self, seed: int = SEED):
        rng = random.Random(seed)
        self.sentences = seed_sentences()
        self.vocabulary = Vocabulary(rng, self.sentences)
        self.seed = seed

    def sentence(self, rng: random.Random, words: int) -> str:
        drawn = self.vocabulary.draw(rng, words)
        out = []
        for word in drawn:
            if rng.random() < 0.4:
                out.append(rng.choice(STOPWORDS))
            out.append(word)
        if rng.random() < 0.18:
            out.insert(rng.randint(1, len(out)), self.date_phrase(rng))
        text = " ".join(out)
        return text[0].upper() + text[1:] + "."

    def date_phrase(self, rng: random.Random) -> str:
        if rng.random() < 0.3:
            return f"on {rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.randint(2015, 2027)}"
        return rng.choice(DATE_PHRASES)

    def mutated_seed(self, rng: random.Random) -> str:
        words = rng.choice(self.sentences).split()
        for i in range(len(words)):
            if i and rng.random() < 0.15:
                words[i] = self.vocabulary.draw(rng, 1)[0]
        return " ".join(words)

    def paragraph(self, rng: random.Random) -> str:
        target = rng.randint(WORDS_PER_PARAGRAPH - 15, WORDS_PER_PARAGRAPH + 15)
        parts, count = [], 0
        if rng.random() < 0.5:
            parts.append(self.mutated_seed(rng))
            count = len(parts[0].split())
        while count < target:
            n = min(rng.randint(8, 18), max(4, target - count))
            parts.append(self.sentence(rng, n))
            count += len(parts[-1].split())
        return " ".join(parts)

    def article(self, number: int, paragraphs: int) -> tuple[str, str]:
        """The file name and text of article ``number`` with ``paragraphs`` paragraphs."""
        rng = random.Random(self.seed * 1_000_003 + number)
        day = dt.date(2024, 1, 1) + dt.timedelta(days=rng.randint(0, 790))
        title = self.sentence(rng, rng.randint(5, 8)).rstrip(".").replace('"', "")
        blocks = []
        for i in range(paragraphs):
            if i and rng.random() < 0.08:
                blocks.append(" ".join(w.capitalize() for w in self.vocabulary.draw(rng, rng.randint(2, 4))))
            blocks.append(self.paragraph(rng))
        front = (f'+++\ntitle = "{title}"\ndate = {day.isoformat()}\nsource = "{rng.choice(SOURCES)}"\n'
                 f'url = "https://news.example/{number}"\nplace = "{rng.choice(PLACES)}"\n+++\n')
        return f"{number:06d}_{rng.getrandbits(32):08x}.txt", front + "\n\n".join(blocks) + "\n"

    def write(self, folder: Path, paragraphs: int) -> None:
        """A corpus of exactly ``paragraphs`` paragraphs in ``folder`` (replaced)."""
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        shutil.copy(SEEDS / "corpus.toml", folder / "corpus.toml")
        number, left = 0, paragraphs
        while left > 0:
            rng = random.Random(self.seed + number)
            size = min(left, rng.randint(PARAGRAPHS_PER_ARTICLE - 4, PARAGRAPHS_PER_ARTICLE + 4))
            name, text = self.article(number, size)
            (folder / name).write_text(text, encoding="utf-8")
            number, left = number + 1, left - size
        # Dated an hour back, as a corpus that was not written just now is. An update reads again
        # the files modified less than 2 s before the last read (build.RACY_NS, as git does): the
        # first update after a build right after writing the corpus re-read the files written in
        # its last 2 s, ~2,500 at 100k, and its 1.10 s was timed as one changed article's.
        written = time.time() - 3600
        for path in folder.iterdir():
            os.utime(path, (written, written))


def make(folder: Path, size: str) -> Path:
    """The corpus for a size label ("seeds", "1k", "10k", "100k"), written once and reused."""
    if size == "seeds":
        if not folder.exists():
            shutil.copytree(SEEDS, folder)
        return folder
    paragraphs = parse_size(size)
    stamp = folder / ".complete"
    if stamp.exists() and stamp.read_text() == f"{VERSION}:{SEED}:{paragraphs}":
        return folder
    Generator().write(folder, paragraphs)
    stamp.write_text(f"{VERSION}:{SEED}:{paragraphs}")
    return folder


def parse_size(size: str) -> int:
    size = size.strip().lower()
    if size.endswith("k"):
        return int(float(size[:-1]) * 1000)
    return int(size)


# --- hostile shapes: what a build must get through in reasonable time ----------------------------

def one_long_line(folder: Path, megabytes: int = 1) -> Path:
    """An article that is one line of ``megabytes`` MB of the seeds' sentences (no paragraph
    break, a date now and then), and a one-word article beside it."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    rng = random.Random(SEED)
    sentences = seed_sentences()
    parts, size = [], 0
    while size < megabytes << 20:
        parts.append(rng.choice(sentences))
        size += len(parts[-1]) + 1
    (folder / "line.txt").write_text(" ".join(parts)[:megabytes << 20], encoding="utf-8")
    (folder / "other.txt").write_text("Zanzibar.\n", encoding="utf-8")
    return folder


def tiny_files(folder: Path, count: int = 10_000) -> Path:
    """``count`` articles of one short line each."""
    shutil.rmtree(folder, ignore_errors=True)
    folder.mkdir(parents=True)
    for i in range(count):
        (folder / f"f{i:05}.txt").write_text(f"Note {i} about trade at Gwadar, word{i}.\n")
    return folder
