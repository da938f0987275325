"""Issue 14, item 5: ``modules.conf`` starts clean.

With ``autoload = yes`` Asterisk loads every module present; a ``noload`` module makes every
module that REQUIRES it decline to load, at every start (``noload = res_ari.so`` alone broke
the 11 ``res_ari_*`` modules and ``app_stasis`` on a real Asterisk 20). ``REQUIRES`` below is
what Asterisk 20's modules declare (``AST_MODULE_INFO`` ``.requires``/``.nonoptreq``) for the
modules this file names or that depend on them; ``http`` is the core's. Written down in
``asterisk/README.md`` too.
"""

from __future__ import annotations

from pathlib import Path

from tests.pbx.conf import sections

ROOT = Path(__file__).resolve().parents[2]
ARI = "res_ari,res_ari_model,res_stasis"
REQUIRES: dict[str, str] = {
    "res_ari": "http,res_stasis",
    "res_ari_model": "",
    "res_ari_applications": ARI,
    "res_ari_asterisk": ARI,
    "res_ari_bridges": f"{ARI},res_stasis_recording,res_stasis_playback",
    "res_ari_channels": f"{ARI},res_stasis_answer,res_stasis_playback,res_stasis_recording,"
    "res_stasis_snoop",
    "res_ari_device_states": f"{ARI},res_stasis_device_state",
    "res_ari_endpoints": ARI,
    "res_ari_events": f"{ARI},res_http_websocket",
    "res_ari_mailboxes": f"{ARI},res_mwi_external",
    "res_ari_playbacks": f"{ARI},res_stasis_playback",
    "res_ari_recordings": f"{ARI},res_stasis_recording",
    "res_ari_sounds": ARI,
    "app_stasis": "res_stasis,res_ari",
    "res_stasis": "",
    "res_stasis_answer": "res_stasis",
    "res_stasis_device_state": "res_stasis",
    "res_stasis_mailbox": "res_stasis,res_mwi_external",
    "res_stasis_playback": "res_stasis,res_stasis_recording",
    "res_stasis_recording": "res_stasis",
    "res_stasis_snoop": "res_stasis",
    "res_stasis_test": "res_stasis",
    "res_phoneprov": "",
    "res_pjsip_phoneprov_provider": "res_pjsip,res_phoneprov",
    "res_xmpp": "",
    "chan_motif": "res_xmpp",
    "chan_pjsip": "res_pjsip",
    "res_pjsip": "res_pjproject,res_sorcery_config,res_sorcery_memory,res_sorcery_astdb",
    "res_pjsip_session": "res_pjsip",
    "res_pjsip_transport_websocket": "res_pjsip,res_http_websocket",
    "res_http_websocket": "",
    "res_rtp_asterisk": "",
    "res_srtp": "",
    "app_queue": "",
    "res_agi": "",
    "res_musiconhold": "",
    "app_playback": "",
    "app_dial": "",
    "pbx_config": "",
    "codec_alaw": "",
    "codec_ulaw": "",
}


def modules() -> tuple[bool, set[str], set[str]]:
    (conf,) = [s for s in sections(ROOT / "asterisk/modules.conf") if s.name == "modules"]
    strip = lambda names: {n.removesuffix(".so") for n in names}  # noqa: E731
    return (
        conf.values("autoload") == ["yes"],
        strip(conf.values("require")),
        strip(conf.values("noload")),
    )


def requires(module: str) -> set[str]:
    return {m for m in REQUIRES.get(module, "").split(",") if m}


def test_no_loaded_module_requires_a_refused_one() -> None:
    autoload, required, refused = modules()
    assert autoload
    loaded = (set(REQUIRES) | required) - refused  # autoload: everything present and known
    broken = {m: requires(m) & refused for m in loaded if requires(m) & refused}
    assert broken == {}


def test_the_required_modules_and_their_requirements_are_not_refused() -> None:
    _, required, refused = modules()
    assert required <= set(REQUIRES)  # every required module's needs are written down
    assert not required & refused
    for module in required:
        assert not requires(module) & refused, module


def test_the_whole_ari_and_stasis_family_is_refused() -> None:
    _, _, refused = modules()
    family = {m for m in REQUIRES if m.startswith(("res_ari", "res_stasis", "app_stasis"))}
    assert len(family) == 22
    assert family <= refused
    assert {"res_ari", "app_stasis", "chan_sip"} <= refused


def test_the_room_needs_are_required() -> None:
    _, required, _ = modules()
    needs = {"chan_pjsip", "app_queue", "res_agi", "res_musiconhold", "app_playback", "pbx_config"}
    assert needs <= required
