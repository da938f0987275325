"""AMI actions of the simulated Asterisk: one function per action, replies as Asterisk words them.

Each handler gets the simulator, the action and a ``reply(bytes)`` writer, and writes its
response (and, for list actions, ``EventList: start``, the items with the ActionID, and the
``<X>Complete`` event with ``ListItems``) synchronously, so replies are never interleaved with
live events. ``SimAnswer`` / ``SimSeatMode`` are the simulator's own actions (a real Asterisk
answers ``Invalid/unknown command``): the operator panel's hook to pick up a seat's phone.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime

from callcenter.sim import callbacks, dialplan, members, transfer
from callcenter.sim.calls import CallSpec
from callcenter.sim.engine import SimError, Simulator
from callcenter.sim.frames import Action, Headers, encode, error, response

Reply = Callable[[bytes], None]


def _truthy(value: str) -> bool:
    return value.strip().lower() in ("yes", "true", "1", "on", "y")


def _items(action: Action, event: str, rows: list[Headers], *, first: bool = False) -> bytes:
    """List items carry the ActionID (last, or first as CoreShowChannel does)."""
    aid = action.action_id
    out = []
    for row in rows:
        tag = [("ActionID", aid)] if aid is not None else []
        head = [("Event", event), *tag, *row] if first else [("Event", event), *row, *tag]
        out.append(encode(head))
    return b"".join(out)


def _complete(action: Action, event: str, count: int, extra: Headers = ()) -> bytes:  # type: ignore[assignment]
    aid = [("ActionID", action.action_id)] if action.action_id is not None else []
    return encode(
        [("Event", event), *aid, ("EventList", "Complete"), ("ListItems", str(count)), *extra]
    )


def _start(action: Action, message: str) -> bytes:
    return response(action.action_id, "Success", [("EventList", "start"), ("Message", message)])


def ok(action: Action, message: str) -> bytes:
    return response(action.action_id, "Success", [("Message", message)])


def queue_status(sim: Simulator, action: Action) -> bytes:
    want_queue, want_member = action.get("Queue"), action.get("Member")
    parts = [_start(action, "Queue status will follow")]
    count = 0
    for q in sim.queues.values():
        if want_queue and q.name != want_queue:
            continue
        rows: list[tuple[str, Headers]] = [("QueueParams", q.params())]
        for m in q.members:
            if want_member and want_member not in (m.interface, m.name):
                continue
            rows.append(("QueueMember", m.headers(q.name, q.conf.wrapuptime, listing=True)))
        for pos, call in enumerate(q.entries, start=1):
            c = call.leg2
            rows.append(
                (
                    "QueueEntry",
                    [
                        ("Queue", q.name),
                        ("Position", str(pos)),
                        ("Channel", c.name),
                        ("Uniqueid", c.uniqueid),
                        ("CallerIDNum", c.caller_num),
                        ("CallerIDName", c.caller_name),
                        ("ConnectedLineNum", c.connected_num),
                        ("ConnectedLineName", c.connected_name),
                        ("Wait", str(int(sim.now - (call.join_time or sim.now)))),
                        ("Priority", str(call.prio)),
                    ],
                )
            )
        for event, row in rows:
            parts.append(_items(action, event, [row]))
        count += len(rows)
    parts.append(_complete(action, "QueueStatusComplete", count))
    return b"".join(parts)


def queue_summary(sim: Simulator, action: Action) -> bytes:
    want = action.get("Queue")
    rows = [q.summary(sim.now) for q in sim.queues.values() if not want or q.name == want]
    body = _items(action, "QueueSummary", rows)
    start = _start(action, "Queue summary will follow")
    return start + body + _complete(action, "QueueSummaryComplete", len(rows))


def core_show_channels(sim: Simulator, action: Action) -> bytes:
    rows: list[Headers] = []
    for channel, call in sim.channels.values():
        seconds = int(sim.now - channel.created)
        duration = f"{seconds // 3600:02d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"
        if call.spec.kind == "callback":  # the seat's leg runs Dial(), the number's is dialled
            app, data = (
                (channel.application, channel.app_data)
                if channel is call.leg1
                else ("AppDial", "(Outgoing Line)")
            )
        elif channel is call.leg2:
            app, data = ("Queue", f"{call.queue},,,,120")
        elif channel is call.leg1:
            app, data = ("Wait", f"{call.spec.patience:g}")
        elif call.seat_legs and channel is call.seat_legs[0]:
            app, data = ("AppQueue", "(Outgoing Line)")
        else:
            app, data = ("Wait", "")
        rows.append(
            [
                *channel.block(),
                ("Application", app),
                ("ApplicationData", data),
                ("Duration", duration),
                ("BridgeId", channel.bridge if call.state in ("talking", "callback") else ""),
            ]
        )
    body = _items(action, "CoreShowChannel", rows, first=True)
    start = _start(action, "Channels will follow")
    return start + body + _complete(action, "CoreShowChannelsComplete", len(rows))


def originate(sim: Simulator, action: Action) -> bytes:
    """Only what the recording rig did: ``Channel: Local/19@from-pstn`` into the room."""
    channel = action.get("Channel")
    if not channel.startswith("Local/"):
        if not any(m.interface == channel for q in sim.queues.values() for m in q.members):
            return error(action.action_id, "Originate failed")
        context, exten = action.get("Context"), action.get("Exten")
        if not dialplan.exists(context, exten):  # manager.c checks before dialling
            return error(action.action_id, "Extension does not exist.")
        sim.scheduler.after(
            0.0, callbacks.originate_from_seat, sim, action.action_id, channel, context, exten
        )
        return ok(action, "Originate successfully queued")
    if "@" not in channel:
        return error(action.action_id, "Originate failed")
    variables: list[tuple[str, str]] = []
    for line in action.get_all("Variable"):
        for item in line.split(","):
            key, _, value = item.partition("=")
            if key.strip():
                variables.append((key.strip(), value.strip()))
    values = dict(variables)
    num, name = _callerid(action.get("CallerID"))
    try:
        lifetime = float(values.get("PATIENCE", "30") or "30")
        prio = int(values["QUEUE_PRIO"]) if "QUEUE_PRIO" in values else None
    except ValueError:
        return error(action.action_id, "Originate failed")
    spec = CallSpec(
        number=num,
        name=name,
        patience=lifetime,
        lifetime=lifetime,
        priority=prio,
        variables=tuple(variables),
        originate_action_id=action.action_id or "",
    )
    sim.scheduler.after(0.0, sim.enter, spec)
    return ok(action, "Originate successfully queued")


def _callerid(value: str) -> tuple[str, str]:
    value = value.strip()
    if "<" in value and value.endswith(">"):
        name, _, num = value[:-1].partition("<")
        return num.strip(), name.strip().strip('"')
    return value, ""


def core_status(sim: Simulator, action: Action) -> bytes:
    start = datetime.fromtimestamp(sim.scheduler.epoch, UTC)
    return response(
        action.action_id,
        "Success",
        [
            ("CoreStartupDate", start.strftime("%Y-%m-%d")),
            ("CoreStartupTime", start.strftime("%H:%M:%S")),
            ("CoreReloadDate", start.strftime("%Y-%m-%d")),
            ("CoreReloadTime", start.strftime("%H:%M:%S")),
            ("CoreCurrentCalls", str(len(sim.calls))),
            ("CoreProcessedCalls", str(sim.tally.offered)),
        ],
    )


def core_settings(action: Action) -> bytes:
    return response(
        action.action_id,
        "Success",
        [
            ("AMIversion", "9.0.0"),
            ("AsteriskVersion", "20.20.1"),
            ("SystemName", ""),
            ("CoreMaxCalls", "500"),
            ("CoreMaxLoadAvg", "0.000000"),
            ("CoreRunUser", ""),
            ("CoreRunGroup", ""),
            ("CoreMaxFilehandles", "0"),
            ("CoreRealTimeEnabled", "No"),
            ("CoreCDRenabled", "Yes"),
            ("CoreHTTPenabled", "No"),
            ("SoundsSearchCustomDir", "No"),
        ],
    )


def handle(sim: Simulator, action: Action) -> bytes:
    """Every action but Login/Logoff/Ping/Events (the session handles those)."""
    name = action.name.lower()
    aid = action.action_id
    try:
        if name == "corestatus":
            return core_status(sim, action)
        if name == "coresettings":
            return core_settings(action)
        if name == "queuestatus":
            return queue_status(sim, action)
        if name == "queuesummary":
            return queue_summary(sim, action)
        if name == "coreshowchannels":
            return core_show_channels(sim, action)
        if name == "queueadd":
            members.add(
                sim,
                action.get("Queue"),
                action.get("Interface"),
                name=action.get("MemberName"),
                penalty=int(action.get("Penalty") or 0),
                paused=_truthy(action.get("Paused")),
                reason=action.get("Reason"),
                state_interface=action.get("StateInterface"),
            )
            return ok(action, "Added interface to queue")
        if name == "queueremove":
            members.remove(sim, action.get("Queue"), action.get("Interface"))
            return ok(action, "Removed interface from queue")
        if name == "queuepause":
            paused = _truthy(action.get("Paused"))
            members.pause(
                sim, action.get("Queue"), action.get("Interface"), paused, action.get("Reason")
            )
            word = "paused" if paused else "unpaused"
            return ok(action, f"Interface {word} successfully")
        if name == "queuepenalty":
            members.penalty(
                sim, action.get("Queue"), action.get("Interface"), int(action.get("Penalty") or 0)
            )
            return ok(action, "Interface penalty set successfully")
        if name == "queuechangeprioritycaller":
            members.change_priority(
                sim,
                action.get("Queue"),
                action.get("Caller"),
                int(action.get("Priority") or 0),
                _truthy(action.get("Immediate")),
            )
            return ok(action, "Priority change for caller on queue")
        if name == "hangup":
            members.hangup_channel(sim, action.get("Channel"))
            return ok(action, "Channel Hungup")
        if name == "blindtransfer":
            transfer.blind_transfer(
                sim, action.get("Channel"), action.get("Context"), action.get("Exten")
            )
            return ok(action, "Transfer succeeded")
        if name == "originate":
            return originate(sim, action)
        if name == "simanswer":
            channel = members.answer_seat(sim, action.get("Seat") or action.get("Interface"))
            return response(aid, "Success", [("Message", "Seat answered"), ("Channel", channel)])
        if name == "simseatmode":
            manual = action.get("Mode").lower() == "manual"
            members.set_manual(sim, action.get("Seat") or action.get("Interface"), manual)
            return ok(action, f"Seat mode {'manual' if manual else 'auto'}")
    except SimError as exc:
        return error(aid, str(exc))
    except ValueError:
        return error(aid, "Invalid parameter")
    return error(
        aid,
        f"Invalid/unknown command: {action.name}. Use Action: ListCommands to show available "
        "commands.",
    )
