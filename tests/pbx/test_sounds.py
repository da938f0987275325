"""Issue 14, item 2 and the hold music of item 1: every sound the dialplan plays is shipped.

Each ``Playback``/``Background`` of ``dialplans/extensions.conf`` names a file that exists in
each language the room serves, in a format Asterisk plays (8 kHz mono), and is in the table
``scripts/make-prompts`` reads; every music-on-hold class used has shipped files.
"""

from __future__ import annotations

import re
import wave
from pathlib import Path

import pytest

from tests.pbx.conf import Dialplan, sections

ROOT = Path(__file__).resolve().parents[2]
LANGUAGES = ("ar", "fr", "en")
INSTALLED = "/var/lib/asterisk/"  # what asterisk/sounds and asterisk/moh are copied under
DIALPLAN = Dialplan.read(ROOT / "dialplans/extensions.conf")


def played() -> set[str]:
    """What extensions.conf plays, and the queue's announcements (queues.conf)."""
    files: set[str] = set()
    for section in sections(ROOT / "asterisk/queues.conf"):
        for key in ("periodic-announce", "announce"):
            for value in section.values(key):
                files.update(v.strip() for v in value.split(","))
    for _context, _exten, step in DIALPLAN.steps():
        if step.app in ("Playback", "Background", "BackGround"):
            names = step.data.split(",", 1)[0]  # options after the comma
            files.update(n.strip() for n in names.split("&"))
    return files


def check_wav(path: Path) -> None:
    with wave.open(str(path)) as w:
        assert (w.getframerate(), w.getnchannels(), w.getsampwidth()) == (8000, 1, 2), path
        seconds = w.getnframes() / 8000
    assert 0.5 <= seconds <= 30, (path, seconds)


def test_the_dialplan_plays_only_the_rooms_own_prompts() -> None:
    files = played()
    assert "callcenter/line19-stay-on-the-line" in files
    queues = {s.name: s for s in sections(ROOT / "asterisk/queues.conf")}
    if queues["line19"].values("periodic-announce-frequency") != ["0"]:  # else the core sound
        assert queues["line19"].values("periodic-announce")
    assert all(f.startswith("callcenter/") for f in files), files  # not the core sounds


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_prompt_is_shipped_in_each_language(language: str) -> None:
    for name in played():
        check_wav(ROOT / "asterisk/sounds" / language / f"{name}.wav")


def test_every_prompt_is_in_the_script_table() -> None:
    rows = [
        line.split("\t")
        for line in (ROOT / "asterisk/sounds/prompts.tsv").read_text().splitlines()
        if line and not line.startswith("#")
    ]
    table = {(lang, f"callcenter/{name}") for lang, name, text in rows if text.strip()}
    assert {(lang, f) for lang in LANGUAGES for f in played()} <= table
    shipped = {
        (p.parts[-3], f"callcenter/{p.stem}")
        for p in (ROOT / "asterisk/sounds").glob("*/callcenter/*.wav")
    }
    assert shipped == table  # nothing shipped that the script does not make, nothing missing


def test_hold_music_classes_have_files() -> None:
    moh = {s.name: dict(s.entries) for s in sections(ROOT / "asterisk/musiconhold.conf")}
    queues = sections(ROOT / "asterisk/queues.conf")
    used = {v for s in queues for v in s.values("musicclass")}
    for _context, _exten, step in DIALPLAN.steps():
        if step.app in ("MusicOnHold", "StartMusicOnHold"):
            used.add(step.data.split(",", 1)[0] or "default")
    assert used == {"default"}
    for name in used:
        conf = moh[name]
        assert conf["mode"] == "files"
        directory = conf["directory"]
        assert directory.startswith(INSTALLED + "moh/"), directory
        files = sorted((ROOT / "asterisk" / directory.removeprefix(INSTALLED)).glob("*.wav"))
        assert files, directory
        for path in files:
            with wave.open(str(path)) as w:
                assert (w.getframerate(), w.getnchannels()) == (8000, 1), path


def test_the_sounds_stay_small() -> None:
    total = sum(
        p.stat().st_size for d in ("sounds", "moh") for p in (ROOT / "asterisk" / d).rglob("*.wav")
    )
    assert total < 1_500_000, total


def test_the_readme_says_where_the_sounds_go() -> None:
    readme = (ROOT / "asterisk/README.md").read_text()
    for path in ("sounds/<lang>/callcenter/", "moh/callcenter/"):
        assert INSTALLED + path in readme
    assert "scripts/make-prompts" in readme
    assert re.search(r"studio", readme, re.IGNORECASE)
