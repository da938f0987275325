"""The PBX simulator: a protocol-faithful Asterisk 20 stand-in (AMI server, app_queue, FastAGI
client, traffic). See ``callcenter/sim/README.md``: running it, embedding it, and the operator
panel's hooks (``members.answer_seat`` / ``members.hangup_seat``, AMI ``SimAnswer`` and
``Hangup``, ``POST /_seats/{seat}/answer|hangup``)."""
