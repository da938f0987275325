"""Issue 14, item 10 (the PBX and README parts): what a newcomer trips over first.

The README says how to run ``callcenter`` after ``scripts/demo`` (it is not on the PATH), its
list of timeline kinds names every kind the lifecycle writes, and ``manager.conf``'s AMI user
and secret are callcenter's defaults (the demo's; both replaced together on a real PBX).
"""

from __future__ import annotations

import re
from pathlib import Path

from callcenter.domain import lifecycle
from callcenter.settings import AmiSettings
from tests.pbx.conf import sections

ROOT = Path(__file__).resolve().parents[2]
README = (ROOT / "README.md").read_text()


def test_the_readme_says_how_to_run_callcenter_from_the_venv() -> None:
    assert ".venv/bin/callcenter" in README
    assert "source .venv/bin/activate" in README


def test_the_readme_lists_every_timeline_kind() -> None:
    package = Path(lifecycle.__file__).parent  # the rules are kept by concern, one module each
    source = "\n".join(p.read_text() for p in sorted(package.glob("*.py")))
    kinds = set(re.findall(r'\bnamed\("([a-z_]+)"\)', source))
    kinds |= set(re.findall(r'\bstep\([^)]*?"([a-z_]+)"', source))
    for pair in re.findall(r'return "([a-z_]+)" if .* else "([a-z_]+)"', source):
        kinds |= set(pair)
    kinds |= set(re.findall(r'return "([a-z_]+)"', source))  # _qualification_kind
    assert {"entered", "entry_decision", "anomaly", "amended", "qualified", "queued"} <= kinds
    start = README.index("Each timeline step:")
    listed = set(re.findall(r"`([a-z_]+)`", README[start : README.index("`at`", start)]))
    assert kinds <= listed, kinds - listed


def test_manager_conf_and_callcenter_agree_on_the_ami_login() -> None:
    manager = {s.name: s for s in sections(ROOT / "asterisk/manager.conf")}
    ami = AmiSettings()
    assert ami.username in manager
    assert manager[ami.username].values("secret") == [ami.secret.get_secret_value()]
    readme = (ROOT / "asterisk/README.md").read_text()
    assert "CALLCENTER_AMI__SECRET" in readme and "manager.conf" in readme
