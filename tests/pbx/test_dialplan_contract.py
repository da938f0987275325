"""Issue 14, item 4: every context, extension and variable callcenter relies on exists in
``dialplans/extensions.conf`` and in the simulator's model of it.

The code originated call-backs into ``callbacks`` while the file defined ``[callback]``, and
the API transferred into ``line19-transfer`` while the file had ``[transfer]``: on a real
Asterisk both fail. What the code relies on is read from the code itself (defaults,
constants, and the variable names ``agi/qualify.py`` sets), not restated here.
"""

from __future__ import annotations

import dataclasses
import inspect
import re
from pathlib import Path

import pytest

from callcenter.agi import decision, qualify
from callcenter.agi.service import build_agi_server
from callcenter.ami.control import AmiPbxControl
from callcenter.api.ports import Services
from callcenter.settings import AgiSettings
from callcenter.sim import dialplan as sim_dialplan
from callcenter.sim import overflow_plan
from callcenter.sim import transfer as sim_transfer
from callcenter.sim.engine import SimOptions
from callcenter.storage.database import create_engine
from tests.pbx.conf import Dialplan, matches, sections

ROOT = Path(__file__).resolve().parents[2]
DIALPLAN = Dialplan.read(ROOT / "dialplans/extensions.conf")
SEATS = [
    m.split(",")[0].strip().removeprefix("PJSIP/")
    for s in sections(ROOT / "asterisk/queues.conf")
    for m in s.values("member")
]


def default(cls: type, name: str) -> str:
    if dataclasses.is_dataclass(cls):
        (f,) = [f for f in dataclasses.fields(cls) if f.name == name]
        return str(f.default)
    return str(inspect.signature(cls).parameters[name].default)


def reads(context: str) -> set[str]:
    """Variables the context's steps read (``${NAME}``; functions such as CALLERID excluded)."""
    names: set[str] = set()
    for exten_steps in DIALPLAN.contexts[context].values():
        for step in exten_steps:
            names.update(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)\}", step.data))
    return names


def sets(context: str) -> dict[str, list[str]]:
    found: dict[str, list[str]] = {}
    for exten_steps in DIALPLAN.contexts[context].values():
        for step in exten_steps:
            if step.app == "Set":
                name, _, value = step.data.partition("=")
                found.setdefault(name, []).append(value)
    return found


def test_call_backs_are_originated_into_a_context_the_dialplan_has() -> None:
    context = default(AmiPbxControl, "callback_context")
    assert context in DIALPLAN.contexts
    for number in ("0612345678", "+212612345678", "00212612345678"):  # what control.py allows
        assert DIALPLAN.find(context, number), number
        assert sim_dialplan.exists(context, number), number


def test_transfers_go_to_a_context_the_dialplan_has() -> None:
    context = default(Services, "transfer_context")
    assert context in DIALPLAN.contexts
    for exten in (sim_transfer.REQUEUE, *SEATS):
        assert DIALPLAN.find(context, exten), exten
        assert sim_dialplan.exists(context, exten), exten
    assert not DIALPLAN.find(context, "seat1")  # patterns read as Asterisk does
    assert len(SEATS) == 20


def test_calls_enter_where_the_trunk_and_the_simulator_send_them() -> None:
    pjsip = {s.name: s for s in sections(ROOT / "asterisk/pjsip.conf") if s.values("context")}
    assert pjsip["trunk"].values("context") == ["from-pstn"]
    assert DIALPLAN.find("from-pstn", "19") == "19"
    assert sim_dialplan.exists("from-pstn", "19")
    assert {s.values("context")[0] for s in pjsip.values()} <= set(DIALPLAN.contexts)


def test_the_agi_contract_variables_and_route() -> None:
    settings = AgiSettings()
    server = build_agi_server(settings, create_engine("sqlite+aiosqlite://"), sink=None)  # type: ignore[arg-type]
    url = DIALPLAN.globals["CALLCENTER_AGI"]
    assert url.endswith("/" + next(iter(server.routes)))  # "qualify"
    entry, loop = sets("from-pstn"), sets("overflow")
    # the safe defaults set before asking, in callcenter's words
    assert entry[qualify.ROUTE_VAR][0] == decision.QUEUE
    assert entry[qualify.PRIO_VAR][0] == str(decision.PriorityPolicy().normal)
    assert loop[qualify.ROUTE_VAR] == [decision.QUEUE]
    for context in ("from-pstn", "overflow"):
        steps = [s for ss in DIALPLAN.contexts[context].values() for s in ss]
        goto = [s.data for s in steps if s.app == "GotoIf" and qualify.ROUTE_VAR in s.data]
        assert goto and all(f'= "{decision.OVERFLOW}"' in g for g in goto), goto
    agis = [s.data for _c, _e, s in DIALPLAN.steps() if s.app == "AGI"]
    assert agis == ["${CALLCENTER_AGI}", "${CALLCENTER_AGI}?retry=${OVERFLOW_TRIES}"]
    # every CALLCENTER_* variable the dialplan reads is a global or one qualify sets
    source = Path(qualify.__file__).read_text()
    set_by_agi = set(re.findall(r'"(CALLCENTER_[A-Z0-9_]+)"', source)) | {qualify.ROUTE_VAR}
    for context in DIALPLAN.contexts:
        for name in reads(context):
            if name.startswith("CALLCENTER_"):
                assert name in set_by_agi or name in DIALPLAN.globals, (context, name)
    # the simulator reads the same variable and value
    assert (SimOptions().overflow_variable, SimOptions().overflow_value) == (
        qualify.ROUTE_VAR,
        decision.OVERFLOW,
    )


def test_every_goto_lands_on_an_extension() -> None:
    for context, exten, step in DIALPLAN.steps():
        targets = []
        if step.app == "Goto":
            targets.append(step.data)
        elif step.app == "GotoIf":
            targets += [t for t in re.split(r"[?:]", step.data.rsplit("]", 1)[-1]) if t]
        for target in targets:
            parts = target.split(",")
            if len(parts) == 1:  # a label of the same extension
                labels = {s.label for s in DIALPLAN.contexts[context][exten]}
                assert parts[0] in labels, (context, exten, target)
            else:
                ctx, ext = (parts[0], parts[1]) if len(parts) == 3 else (context, parts[0])
                assert ext in DIALPLAN.contexts[ctx], (context, exten, target)


def test_the_simulators_model_is_the_file() -> None:
    for context, extens in sim_dialplan.CONTEXTS.items():
        assert set(extens) <= set(DIALPLAN.contexts[context]), context
    steps = DIALPLAN.contexts["overflow"]["s"]
    start = next(i for i, s in enumerate(steps) if s.label == "loop")
    assert [(s.app, s.data) for s in steps[start:]] == list(overflow_plan.LOOP)
    assert steps[start].priority == overflow_plan.FIRST
    assert SimOptions().overflow_retry == float(DIALPLAN.globals["OVERFLOW_RETRY_WAIT"])


@pytest.mark.parametrize(
    ("pattern", "exten", "ok"),
    [
        ("_X.", "0612", True),
        ("_X.", "0", False),
        ("_X.", "+212", False),
        ("_+X.", "+212612345678", True),
        ("_seatXX", "seat07", True),
        ("_seatXX", "seat7", False),
        ("_00X.", "00212", True),
        ("_NXX", "199", False),
    ],
)
def test_patterns_match_as_in_asterisk(pattern: str, exten: str, ok: bool) -> None:
    assert matches(pattern, exten) is ok
    sim_dialplan.CONTEXTS["_test"] = (pattern,)
    try:
        assert sim_dialplan.exists("_test", exten) is ok
    finally:
        del sim_dialplan.CONTEXTS["_test"]


def test_the_simulator_refuses_what_the_dialplan_lacks() -> None:
    from callcenter.sim import ami_actions
    from callcenter.sim.config import load_queues_conf
    from callcenter.sim.engine import Simulator
    from callcenter.sim.frames import Action

    sim = Simulator(load_queues_conf(ROOT / "asterisk/queues.conf"), SimOptions(seed=1))

    def originate(context: str) -> bytes:
        fields = [("Action", "Originate"), ("ActionID", "a"), ("Channel", "PJSIP/seat01")]
        fields += [("Context", context), ("Exten", "0612345678"), ("Async", "true")]
        return ami_actions.handle(sim, Action(fields))

    assert b"Message: Extension does not exist." in originate("callback")  # the old name
    assert b"Originate successfully queued" in originate("callbacks")
