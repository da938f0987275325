/**
 * French strings of the call-entry decision's reasons: one `entry.reason.<code>` per code of
 * callcenter/domain/entry_reasons.py, with the same {params}; `entry.kind.*` the caller IDs
 * that cannot be looked up, `entry.note.*` why a safe default was used.
 */
export const entryReasonsFr = {
  'entry.reason.caller_id_kind': 'numéro {kind} : pas de recherche des appels précédents',
  'entry.reason.repeat_unavailable': 'recherche des appels précédents indisponible',
  'entry.reason.callback_after_abandon': 'rappelle après un appel abandonné ({count} en {minutes} min)',
  'entry.reason.repeat_caller': 'appel répété (déjà {count} en {minutes} min)',
  'entry.reason.first_call': 'premier appel depuis {minutes} min',
  'entry.reason.room_unavailable': 'occupation de la salle inconnue : en file (la limite de la file reste appliquée)',
  'entry.reason.room_queued': 'salle {occupancy}/{capacity} : en file',
  'entry.reason.room_full_overflow': "salle pleine {occupancy}/{capacity} : débordement (message d'attente puis nouvel essai, l'appelant reste en ligne)",
  'entry.reason.priority': 'priorité {priority}',
  'entry.reason.safe_default': 'décision par défaut ({notes}) : en file, priorité normale',
  'entry.separator': ' ; ',
  'entry.kind.withheld': 'masqué',
  'entry.kind.invalid': 'invalide',
  'entry.kind.empty': 'absent',
  'entry.kind.emergency': "d'urgence",
  'entry.kind.short': 'court',
  'entry.note.repeat_lookup_timeout': 'recherche des appels précédents trop lente',
  'entry.note.repeat_lookup_failed': 'recherche des appels précédents en échec',
  'entry.note.room_lookup_timeout': 'comptage de la salle trop lent',
  'entry.note.room_lookup_failed': 'comptage de la salle en échec',
  'entry.note.linkedid_unavailable': "identifiant d'appel non lu",
  'entry.note.no_call_id': "aucun identifiant d'appel",
  'entry.noteSeparator': ', ',
};
