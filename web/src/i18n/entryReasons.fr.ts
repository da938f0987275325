/**
 * French strings of the call-entry decision's reasons: one `entry.reason.<code>` per code of
 * callcenter/domain/entry_reasons.py, with the same {params}; `entry.kind.*` the caller IDs
 * that cannot be looked up, `entry.note.*` why a safe default was used.
 */
export const entryReasonsFr = {
  'entry.reason.caller_id_kind': 'numéro {kind}\u00a0: pas de recherche des appels précédents',
  'entry.reason.repeat_unavailable': 'recherche des appels précédents indisponible',
  'entry.reason.callback_after_abandon': 'rappelle après un appel abandonné ({count} en {minutes}\u00a0min)',
  'entry.reason.repeat_caller': 'appel répété (déjà {count} en {minutes}\u00a0min)',
  'entry.reason.first_call': 'premier appel depuis {minutes}\u00a0min',
  'entry.reason.room_unavailable': 'occupation de la salle inconnue\u00a0: en file (la limite de la file reste appliquée)',
  'entry.reason.room_queued': 'salle\u00a0{occupancy}/{capacity}\u00a0: en file',
  'entry.reason.room_full_overflow': "salle pleine\u00a0{occupancy}/{capacity}\u00a0: débordement (message d'attente puis nouvel essai, l'appelant reste en ligne)",
  'entry.reason.priority': 'priorité\u00a0{priority}',
  'entry.reason.safe_default': 'décision par défaut ({notes})\u00a0: en file, priorité normale',
  'entry.separator': '\u00a0; ',
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
