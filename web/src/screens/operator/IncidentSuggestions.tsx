/**
 * Under the qualification form: the open incidents this call probably reports, best first with
 * why (GET /me/call/incidents for what is typed, asked again as the draft changes). One key,
 * F8, attaches the call to the first one (POST /me/call/attach, with the qualification when it
 * is complete, then the hand-off, which returns the incident's ticket: no second unit is sent).
 * Each suggestion also has its own Attach button (Tab reaches it).
 */
import { Alert, Badge, Button, Group, Paper, Text, Title } from '@mantine/core';
import { useEffect, useReducer, useRef } from 'react';
import type { Attached, Suggestion } from '../../api/incidents';
import { useRoom, useUi } from '../../app/context';
import { formatTime } from '../../format/time';
import { labelOf, type MessageKey } from '../../i18n/i18n';
import { dropDraft, toQualification, type Draft } from '../../session/drafts';
import {
  ATTACH_KEY,
  attachTarget,
  callersText,
  initialSuggestions,
  reasonText,
  suggestionQuery,
  suggestionsReducer,
} from '../../store/incidents';
import { message, type OperatorController } from './controller';
import './incidents.css';

const ASK_AFTER_MS = 300; // typing pauses this long before the question is asked

interface Props {
  controller: OperatorController;
  callId: string;
  draft: Draft;
}

export function IncidentSuggestions({ controller, callId, draft }: Props) {
  const { t, locale } = useUi();
  const { config } = useRoom();
  const [state, dispatch] = useReducer(suggestionsReducer, initialSuggestions);
  const query = suggestionQuery(draft, callId);

  useEffect(() => {
    dispatch({ type: 'ask', query });
    if (query === null) return;
    let live = true;
    const timer = setTimeout(() => {
      controller.api
        .get<Suggestion[]>(`/me/call/incidents?${query}`)
        .then((suggestions) => live && dispatch({ type: 'answered', query, suggestions }))
        .catch((error: unknown) => live && dispatch({ type: 'failed', query, message: message(error) }));
    }, ASK_AFTER_MS);
    return () => {
      live = false;
      clearTimeout(timer);
    };
  }, [controller, query]);

  const attach = async (suggestion: Suggestion) => {
    dispatch({ type: 'attaching', incidentId: suggestion.incident.id });
    const parsed = toQualification(draft);
    try {
      const result = await controller.api.post<Attached>('/me/call/attach', {
        incident_id: suggestion.incident.id,
        call_id: callId,
        reasons: suggestion.reasons.map((r) => r.code),
        qualification: parsed.ok ? parsed.body : undefined,
      });
      dispatch({ type: 'attached', result });
      if (parsed.ok) {
        await controller.handoff(parsed.body, callId); // the incident's ticket comes back
        dropDraft(localStorage, callId);
      }
    } catch (error) {
      dispatch({ type: 'attach-failed', message: message(error) });
    }
  };

  // F8 anywhere on the panel (typing in the form included) attaches to the first suggestion.
  const latest = useRef({ state, attach });
  latest.current = { state, attach };
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (e.key !== ATTACH_KEY || e.altKey || e.ctrlKey || e.metaKey) return;
      e.preventDefault();
      const target = attachTarget(latest.current.state);
      if (target) void latest.current.attach(target);
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);

  if (query === null && state.attached === null) return null;
  const attached = state.attached;

  return (
    <Paper withBorder p="sm" mt="sm" component="section" aria-labelledby="incidents-title" data-testid="incident-suggestions" className="cc-incidents">
      <Group justify="space-between" mb="xs" wrap="wrap">
        <Title order={3} size="h5" id="incidents-title">
          {t('incident.title')}
        </Title>
        <Text size="sm" c="dimmed">
          <kbd className="cc-kbd">{ATTACH_KEY}</kbd> {t('incident.help')}
        </Text>
      </Group>
      <div aria-live="polite" role="status" data-testid="incident-status">
        {attached ? (
          <Alert color="ok" mb="xs" data-testid="incident-attached">
            {t('incident.attached', { incident: attached.incident_id, count: attached.callers })}
            {attached.ticket_id ? ` · ${t('incident.attachedTicket', { ticket: attached.ticket_id })}` : ''}
          </Alert>
        ) : state.loading && state.suggestions.length === 0 ? (
          <Text size="sm" c="dimmed">{t('incident.loading')}</Text>
        ) : !state.loading && state.suggestions.length === 0 && !state.error ? (
          <Text size="sm" c="dimmed" data-testid="incident-none">{t('incident.none')}</Text>
        ) : null}
      </div>
      {state.error ? (
        <Alert color="danger" role="alert" mb="xs">
          {t('error.generic', { detail: state.error })}
        </Alert>
      ) : null}
      {attached === null && state.suggestions.length > 0 ? (
        <ol className="cc-suggestions" data-testid="suggestions">
          {state.suggestions.map((s, i) => {
            const inc = s.incident;
            return (
              <li key={inc.id} data-testid={`suggestion-${i}`} data-incident={inc.id} className="cc-suggestion">
                <Group justify="space-between" wrap="nowrap" align="flex-start">
                  <div>
                    <Text fw={700}>
                      {inc.priority ? `${inc.priority} · ` : ''}
                      {labelOf(t, 'incident', inc.incident_type) || '—'} · <bdi>{inc.address}</bdi>
                    </Text>
                    <Text size="sm">
                      {t(callersText(inc.callers).key as MessageKey, callersText(inc.callers).params)} · {t('incident.opened', { time: formatTime(inc.opened_at, config.time_zone, locale) })} ·{' '}
                      {inc.ticket_id ? <span className="cc-ltr">{t('incident.ticket', { ticket: inc.ticket_id })}</span> : t('incident.noTicket')}
                    </Text>
                    <Group gap={4} mt={4} aria-label={t('incident.why')} role="list">
                      {s.reasons.map((r) => {
                        const { key, params } = reasonText(r);
                        return (
                          <Badge key={r.code} role="listitem" variant="outline" color="blue" size="md" data-reason={r.code}>
                            {t(key as MessageKey, params)}
                          </Badge>
                        );
                      })}
                    </Group>
                  </div>
                  <Button
                    type="button"
                    variant={i === 0 ? 'filled' : 'outline'}
                    onClick={() => void attach(s)}
                    loading={state.attaching === inc.id}
                    disabled={state.attaching !== null}
                    aria-keyshortcuts={i === 0 ? ATTACH_KEY : undefined}
                    data-testid={`attach-${i}`}
                  >
                    {i === 0 ? t('incident.attachFirst', { key: ATTACH_KEY }) : t('incident.attach')}
                  </Button>
                </Group>
              </li>
            );
          })}
        </ol>
      ) : null}
    </Paper>
  );
}
